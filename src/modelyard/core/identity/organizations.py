"""Organization membership, subscription history and resource usage.

Members of an organization may look; only its admins change who belongs to it, and an
organization always keeps at least one admin. Services flush, never commit.
"""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from modelyard.core.identity import organizations_repository as org_repo
from modelyard.core.identity import repository as repo
from modelyard.core.identity import rules, subscriptions
from modelyard.core.identity.errors import not_organization_admin, organization_not_found
from modelyard.core.identity.schemas import (
    MemberCreate,
    MemberRead,
    MemberUpdate,
    OrganizationSubscriptionRead,
    Principal,
    ProjectRef,
    ProjectResourceUsage,
    ResourceUsage,
)
from modelyard.db.tables import OrganizationMemberRow, OrganizationRow, UserRow
from modelyard.errors import Conflict, NotFound


def _organization(
    session: Session, principal: Principal, name: str, *, admin: bool = False
) -> OrganizationRow:
    """The organization, if the principal belongs to it; to others it does not exist."""
    organization = repo.get_organization_by_name(session, name)
    membership = (
        repo.get_membership(session, organization.id, principal.user_id) if organization else None
    )
    if organization is None or membership is None:
        raise organization_not_found(name)
    if admin and not membership.admin:
        raise not_organization_admin(name)
    return organization


def _member_read(member: OrganizationMemberRow, user: UserRow) -> MemberRead:
    return MemberRead(
        id=user.id, email=user.email, name=user.name, surname=user.surname, admin=member.admin
    )


def user_not_found(user_id: str, organization: str) -> NotFound:
    return NotFound(
        f"User '{user_id}' is not a member of organization '{organization}'", field="user_id"
    )


def _member(
    session: Session, organization: OrganizationRow, user_id: str
) -> tuple[OrganizationMemberRow, UserRow]:
    try:
        found = org_repo.get_member(session, organization.id, uuid.UUID(user_id))
    except ValueError:
        found = None
    if found is None:
        raise user_not_found(user_id, organization.name)
    return found


def _keep_an_admin(
    session: Session, organization: OrganizationRow, member: OrganizationMemberRow
) -> None:
    if member.admin and org_repo.count_members(session, organization.id, admins=True) <= 1:
        raise Conflict(
            f"The last admin of organization '{organization.name}' cannot be removed or demoted",
            field="user_id",
        )


# -- members --------------------------------------------------------------------------------


def add_member(
    session: Session, principal: Principal, organization_name: str, data: MemberCreate
) -> MemberRead:
    """Add an existing user, found by email, as admin or member; organization admins only.
    Service users belong to their one project and are never members."""
    organization = _organization(session, principal, organization_name, admin=True)
    email = rules.check_email(data.email)
    user = repo.get_user_by_email(session, email)
    if user is None or org_repo.is_service_user(session, user.id):
        raise NotFound(f"No user with email '{email}' exists", field="email")
    if repo.get_membership(session, organization.id, user.id) is not None:
        raise Conflict(
            f"User '{email}' is already a member of organization '{organization.name}'",
            field="email",
        )
    subscriptions.check_user_limit(session, organization)
    member = OrganizationMemberRow(
        organization_id=organization.id, user_id=user.id, admin=data.admin
    )
    repo.add(
        session, member, conflict=Conflict(f"User '{email}' is already a member", field="email")
    )
    return _member_read(member, user)


def list_members(
    session: Session, principal: Principal, organization_name: str
) -> list[MemberRead]:
    """Every member may see who else belongs to the organization."""
    organization = _organization(session, principal, organization_name)
    return [_member_read(*found) for found in org_repo.list_members(session, organization.id)]


def get_member(
    session: Session, principal: Principal, organization_name: str, user_id: str
) -> MemberRead:
    organization = _organization(session, principal, organization_name, admin=True)
    return _member_read(*_member(session, organization, user_id))


def update_member(
    session: Session, principal: Principal, organization_name: str, user_id: str, data: MemberUpdate
) -> MemberRead:
    """Make a member admin or not; the last admin stays one."""
    organization = _organization(session, principal, organization_name, admin=True)
    member, user = _member(session, organization, user_id)
    if not data.admin:
        _keep_an_admin(session, organization, member)
    member.admin = data.admin
    session.flush()
    return _member_read(member, user)


def remove_member(
    session: Session, principal: Principal, organization_name: str, user_id: str
) -> None:
    """Take a user out of the organization, with their roles in its projects; the last admin
    cannot be removed."""
    organization = _organization(session, principal, organization_name, admin=True)
    member, user = _member(session, organization, user_id)
    _keep_an_admin(session, organization, member)
    org_repo.delete_roles_in_organization(session, organization.id, user.id)
    session.delete(member)
    session.flush()


# -- subscriptions and usage ----------------------------------------------------------------


def subscription_history(
    session: Session, principal: Principal, organization_name: str
) -> list[OrganizationSubscriptionRead]:
    """The subscriptions the organization has had; its admins only, as the seed says."""
    organization = _organization(session, principal, organization_name, admin=True)
    return subscriptions.history(session, organization)


def organization_resource_usage(
    session: Session, principal: Principal, organization_name: str
) -> ResourceUsage:
    """How many projects, members, models, versions, connectors and pipelines it has now."""
    organization = _organization(session, principal, organization_name)
    return ResourceUsage(**org_repo.organization_counts(session, organization.id))


def project_resource_usage(session: Session, project: ProjectRef) -> ProjectResourceUsage:
    """How many models, versions, connectors and pipelines the project has now."""
    return ProjectResourceUsage(**org_repo.project_counts_of(session, project.id))
