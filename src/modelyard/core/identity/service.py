"""Identity rules: who may see and change users, organizations, projects and tokens.

Services flush, never commit: the caller owns the transaction.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy.orm import Session

from modelyard.core.identity import repository as repo
from modelyard.core.identity import rules, subscriptions
from modelyard.core.identity.access import repository as access_repo
from modelyard.core.identity.access.service import assign_creator
from modelyard.core.identity.errors import (
    bad_token,
    email_taken,
    invalid,
    name_taken,
    not_organization_admin,
    organization_not_found,
    project_not_found,
)
from modelyard.core.identity.schemas import (
    OrganizationCreate,
    OrganizationRead,
    OrganizationUpdate,
    Principal,
    ProjectCreate,
    ProjectRead,
    ProjectRef,
    ProjectUpdate,
    TokenIssued,
    TokenRead,
    UserCreate,
    UserRead,
    UserUpdate,
)
from modelyard.db.lookups import Lookups, lookups_of
from modelyard.db.tables import (
    ApiTokenRow,
    OrganizationMemberRow,
    OrganizationRow,
    ProjectRow,
    UserRow,
)
from modelyard.db.types import utcnow
from modelyard.errors import Conflict, NotFound, PermissionDenied

# -- authentication -------------------------------------------------------------------------


def authenticate(session: Session, token: str | None, *, sessions_only: bool = False) -> Principal:
    """The principal a token belongs to; unknown or revoked tokens are refused alike, and
    with ``sessions_only`` so are API tokens (a dialect whose header takes only its logins).

    Every dialect's requests come through here, so a server keeps what it found in its cached
    lookups (``db/lookups``) until a token, user or service user changes; expiry is checked
    on every call."""
    if not token:
        raise bad_token()
    found = _accepted(_token_principal(session, rules.hash_token(token)), sessions_only)
    if found is None:
        raise bad_token()
    return found


def known_principal(
    lookups: Lookups | None, token: str | None, *, sessions_only: bool = False
) -> Principal | None:
    """``authenticate`` answered from this server's cached lookups alone, without a session
    or a query; None when it cannot be (then ``authenticate`` decides, refusals included)."""
    if lookups is None or not token:
        return None
    holder = lookups.get(("principal", rules.hash_token(token)))
    return _accepted(cast(_TokenHolder | None, holder), sessions_only)


def principal_by_hash(session: Session, token_hash: str) -> Principal | None:
    """Whom a token (by its hash) belongs to, from the cached lookups while they hold it; None
    for an unknown or revoked one. Expiry is not checked: this names who did something, it
    admits no one."""
    found = _token_principal(session, token_hash)
    return found.principal if found is not None else None


def _accepted(found: _TokenHolder | None, sessions_only: bool) -> Principal | None:
    if found is None or (sessions_only and not found.session):
        return None
    if found.expires_at is not None and found.expires_at <= utcnow():
        return None
    return found.principal


@dataclass(frozen=True)
class _TokenHolder:
    principal: Principal
    session: bool
    expires_at: datetime | None


def _token_principal(session: Session, token_hash: str) -> _TokenHolder | None:
    lookups = lookups_of(session)
    key = ("principal", token_hash)
    if lookups is not None and (known := lookups.get(key)) is not None:
        return cast(_TokenHolder, known)
    stamp = lookups.stamp() if lookups is not None else 0
    found = access_repo.get_token_principal(session, token_hash)
    if found is None or found[0].revoked_at is not None:
        return None
    token_row, user, service_project_id = found
    principal = Principal(
        user_id=user.id,
        email=user.email,
        is_admin=user.is_admin,
        token_id=token_row.id,
        service_project_id=service_project_id,
        expires_at=token_row.expires_at,
    )
    holder = _TokenHolder(principal, token_row.session, token_row.expires_at)
    if lookups is not None:
        lookups.put(key, holder, stamp)
    return holder


def require_admin(principal: Principal) -> None:
    """Platform administrators only."""
    if not principal.is_admin:
        raise PermissionDenied("Only modelyard administrators may do this")


# -- users ----------------------------------------------------------------------------------


def create_user(session: Session, data: UserCreate) -> UserRead:
    """A new user; the password, when given, must be at least 8 characters long."""
    email = rules.check_email(data.email)
    if data.password is not None and len(data.password) < 8:
        raise invalid("password", "must be at least 8 characters long")
    if repo.get_user_by_email(session, email) is not None:
        raise email_taken(email)
    user = UserRow(
        email=email,
        name=data.name,
        surname=data.surname,
        is_admin=data.is_admin,
        password_hash=rules.hash_password(data.password) if data.password else None,
    )
    repo.add(session, user, conflict=email_taken(email))
    return UserRead.model_validate(user)


def _user(session: Session, principal: Principal) -> UserRow:
    user = repo.get_user(session, principal.user_id)
    if user is None:
        raise bad_token()
    return user


def get_user(session: Session, principal: Principal) -> UserRead:
    return UserRead.model_validate(_user(session, principal))


def update_user(session: Session, principal: Principal, data: UserUpdate) -> UserRead:
    """Change one's own details; a new password needs the full policy and the previous one
    (a user who only ever had tokens sets a first password without one)."""
    user = _user(session, principal)
    if data.password is not None:
        had_password = user.password_hash is not None
        if had_password and not rules.verify_password(
            data.previous_password or "", user.password_hash
        ):
            raise invalid("previous_password", "does not match the current password")
        user.password_hash = rules.hash_password(rules.check_new_password(data.password))
    if data.email is not None:
        email = rules.check_email(data.email)
        other = repo.get_user_by_email(session, email)
        if other is not None and other.id != user.id:
            raise email_taken(email)
        user.email = email
    if data.name is not None:
        user.name = data.name
    if data.surname is not None:
        user.surname = data.surname
    repo.flush(session, conflict=email_taken(user.email))
    return UserRead.model_validate(user)


def delete_user(session: Session, principal: Principal) -> None:
    """Remove oneself with one's tokens and memberships; the last administrator must stay."""
    user = _user(session, principal)
    if user.is_admin and repo.count_admins(session) <= 1:
        raise Conflict("The last modelyard administrator cannot be deleted")
    session.delete(user)
    session.flush()


# -- tokens ---------------------------------------------------------------------------------


def issue_token(session: Session, email: str, *, description: str | None = None) -> TokenIssued:
    """A new API token for the user with ``email``; its secret is returned only here."""
    user = repo.get_user_by_email(session, rules.check_email(email))
    if user is None:
        raise NotFound(f"No user with email '{email}'", field="email")
    return _issue(session, user, description=description, expires_at=None)


def issue_session_token(
    session: Session, principal: Principal, *, lifetime: timedelta | None, description: str
) -> TokenIssued:
    """A token of the same principal for a dialect's login (an Alchemite access or refresh
    token, a Leia login token): expires after ``lifetime`` (None: when revoked), revoked with
    ``revoke_token``, and resolved by ``authenticate`` like any API token."""
    user = _user(session, principal)
    expires_at = utcnow() + lifetime if lifetime is not None else None
    return _issue(session, user, description=description, expires_at=expires_at, session_token=True)


def purge_expired_tokens(session: Session, *, grace: timedelta = timedelta(days=1)) -> int:
    """Forget session tokens that expired more than ``grace`` ago (every Alchemite token
    request adds two); API tokens never expire and are kept, revoked or not."""
    return repo.delete_tokens_expired_before(session, utcnow() - grace)


def _issue(
    session: Session,
    user: UserRow,
    *,
    description: str | None,
    expires_at: datetime | None,
    session_token: bool = False,
) -> TokenIssued:
    secret = rules.new_token()
    row = ApiTokenRow(
        token_hash=rules.hash_token(secret),
        prefix=secret[:10],
        user_id=user.id,
        description=description,
        expires_at=expires_at,
        session=session_token,
    )
    session.add(row)
    session.flush()
    return TokenIssued(id=row.id, user_email=user.email, token=secret)


def revoke_token(session: Session, token_or_id: str) -> TokenRead:
    """Revoke by token id or by the token itself; revoking twice is harmless."""
    row = _find_token(session, token_or_id)
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        session.flush()
    return _token_read(session, row)


def list_tokens(session: Session, email: str | None = None) -> list[TokenRead]:
    user_id = None
    if email is not None:
        user = repo.get_user_by_email(session, rules.check_email(email))
        if user is None:
            raise NotFound(f"No user with email '{email}'", field="email")
        user_id = user.id
    return [_token_read(session, row) for row in repo.list_tokens(session, user_id)]


def _find_token(session: Session, token_or_id: str) -> ApiTokenRow:
    try:
        row = repo.get_token(session, uuid.UUID(token_or_id))
    except ValueError:
        found = repo.get_token_by_hash(session, rules.hash_token(token_or_id))
        row = found[0] if found else None
    if row is None:
        raise NotFound("No such token", field="token")
    return row


def _token_read(session: Session, row: ApiTokenRow) -> TokenRead:
    user = repo.get_user(session, row.user_id)
    return TokenRead(
        id=row.id,
        user_email=user.email if user else "",
        prefix=row.prefix,
        description=row.description,
        created_at=row.created_at,
        revoked_at=row.revoked_at,
    )


# -- organizations --------------------------------------------------------------------------


def _subscription(session: Session, name: str) -> str:
    if repo.get_subscription(session, name) is None:
        raise invalid("subscription", f"'{name}' is not a known subscription")
    return name


def _check_end_date(subscription: str, end_date: object) -> None:
    if subscription == "free" and end_date is not None:
        raise invalid("subscription_end_date", "a 'free' subscription cannot have an end date")


def create_organization(
    session: Session, principal: Principal, data: OrganizationCreate
) -> OrganizationRead:
    """A new organization; its creator becomes its admin."""
    name = rules.check_name(data.name)
    _subscription(session, data.subscription)
    if not data.subscription_agreed:
        raise invalid("subscription_agreed", "the services agreement must be accepted (true)")
    _check_end_date(data.subscription, data.subscription_end_date)
    if repo.get_organization_by_name(session, name) is not None:
        raise name_taken("Organization", name)
    organization = OrganizationRow(
        name=name,
        subscription=data.subscription,
        subscription_agreed=True,
        subscription_end_date=data.subscription_end_date,
    )
    repo.add(session, organization, conflict=name_taken("Organization", name))
    session.add(
        OrganizationMemberRow(
            organization_id=organization.id, user_id=principal.user_id, admin=True
        )
    )
    session.flush()
    subscriptions.record_subscription(
        session, organization.id, organization.subscription, agreed_by=principal.email
    )
    return OrganizationRead.model_validate(organization)


def _visible_organization(
    session: Session, principal: Principal, name: str, *, admin: bool = False
) -> OrganizationRow:
    organization = repo.get_organization_by_name(session, name)
    if organization is None:
        raise organization_not_found(name)
    membership = repo.get_membership(session, organization.id, principal.user_id)
    if membership is None:
        raise organization_not_found(name)
    if admin and not membership.admin:
        raise not_organization_admin(name)
    return organization


def list_organizations(session: Session, principal: Principal) -> list[OrganizationRead]:
    """The organizations the principal is a member of."""
    rows = repo.list_organizations_of(session, principal.user_id)
    return [OrganizationRead.model_validate(row) for row in rows]


def get_organization(session: Session, principal: Principal, name: str) -> OrganizationRead:
    return OrganizationRead.model_validate(_visible_organization(session, principal, name))


def update_organization(
    session: Session, principal: Principal, name: str, data: OrganizationUpdate
) -> OrganizationRead:
    """Rename, or change the subscription (which must be agreed to); admins only."""
    organization = _visible_organization(session, principal, name, admin=True)
    changed = data.model_fields_set
    if "name" in changed and data.name is not None and data.name != organization.name:
        new_name = rules.check_name(data.name)
        if repo.get_organization_by_name(session, new_name) is not None:
            raise name_taken("Organization", new_name)
        organization.name = new_name
    if "subscription" in changed and data.subscription is not None:
        if data.subscription != organization.subscription and not data.subscription_agreed:
            raise invalid("subscription_agreed", "must be true to change the subscription")
        if data.subscription != organization.subscription:
            subscriptions.record_subscription(
                session,
                organization.id,
                _subscription(session, data.subscription),
                agreed_by=principal.email,
                updated_by=principal.email,
            )
        organization.subscription = _subscription(session, data.subscription)
    if "subscription_end_date" in changed:
        organization.subscription_end_date = data.subscription_end_date
    _check_end_date(organization.subscription, organization.subscription_end_date)
    repo.flush(session, conflict=name_taken("Organization", organization.name))
    return OrganizationRead.model_validate(organization)


# -- projects -------------------------------------------------------------------------------


def _project_read(project: ProjectRow, organization: OrganizationRow) -> ProjectRead:
    return ProjectRead(
        id=project.id,
        name=project.name,
        organization_name=organization.name,
        creation_date=project.creation_date,
    )


def create_project(session: Session, principal: Principal, data: ProjectCreate) -> ProjectRead:
    """A new project in an organization the principal administers."""
    name = rules.check_name(data.name)
    organization = _visible_organization(session, principal, data.organization_name, admin=True)
    subscriptions.check_project_limit(session, organization)
    if repo.get_project_by_name(session, name) is not None:
        raise name_taken("Project", name)
    project = ProjectRow(name=name, organization_id=organization.id)
    repo.add(session, project, conflict=name_taken("Project", name))
    assign_creator(session, project.id, principal.user_id, name)
    return _project_read(project, organization)


def visible_project(
    session: Session, principal: Principal, name: str, *, admin: bool = False
) -> tuple[ProjectRow, OrganizationRow]:
    """The project, if the principal's organizations hold it; otherwise it does not exist."""
    found = repo.get_project_by_name(session, name)
    if found is None:
        raise project_not_found(name)
    project, organization = found
    if principal.service_project_id is not None:
        if project.id != principal.service_project_id:
            raise project_not_found(name)
        if admin:
            raise not_organization_admin(organization.name)
        return project, organization
    membership = repo.get_membership(session, organization.id, principal.user_id)
    if membership is None:
        raise project_not_found(name)
    if admin and not membership.admin:
        raise not_organization_admin(organization.name)
    return project, organization


def project_scope(
    session: Session, principal: Principal, name: str, *, admin: bool = False
) -> ProjectRef:
    """The project other domains act in, once the principal may see (or administer) it."""
    project, _ = visible_project(session, principal, name, admin=admin)
    return ProjectRef.model_validate(project)


def project_ref(session: Session, project_id: uuid.UUID) -> ProjectRef | None:
    """A project by id, for work that runs without a principal (queued jobs)."""
    project = session.get(ProjectRow, project_id)
    return ProjectRef.model_validate(project) if project else None


def _service_user_projects(
    session: Session, project_id: uuid.UUID, organization_name: str | None
) -> list[ProjectRead]:
    """A service user sees one project: its own."""
    own = session.get(ProjectRow, project_id)
    organization = session.get(OrganizationRow, own.organization_id) if own else None
    if own is None or organization is None or organization_name not in (None, organization.name):
        return []
    return [_project_read(own, organization)]


def list_projects(
    session: Session, principal: Principal, *, organization_name: str | None = None
) -> list[ProjectRead]:
    if principal.service_project_id is not None:
        return _service_user_projects(session, principal.service_project_id, organization_name)
    rows = repo.list_projects_of(session, principal.user_id, organization_name=organization_name)
    return [_project_read(project, organization) for project, organization in rows]


def get_project(session: Session, principal: Principal, name: str) -> ProjectRead:
    return _project_read(*visible_project(session, principal, name))


def update_project(
    session: Session, principal: Principal, name: str, data: ProjectUpdate
) -> ProjectRead:
    """Rename a project; organization admins only."""
    project, organization = visible_project(session, principal, name, admin=True)
    new_name = rules.check_name(data.name)
    if new_name != project.name:
        if repo.get_project_by_name(session, new_name) is not None:
            raise name_taken("Project", new_name)
        project.name = new_name
        repo.flush(session, conflict=name_taken("Project", new_name))
    return _project_read(project, organization)


def delete_project(session: Session, principal: Principal, name: str) -> None:
    """Delete a project and everything in it; organization admins only."""
    project, _ = visible_project(session, principal, name, admin=True)
    access_repo.delete_service_users_of(session, project.id)
    session.delete(project)
    session.flush()


# -- sign-up --------------------------------------------------------------------------------


def authorize_signup(principal: Principal | None, *, open_signup: bool) -> None:
    """Who may create users: administrators, or anyone when sign-up is open."""
    if open_signup:
        return
    if principal is None:
        raise bad_token()
    require_admin(principal)


def require_terms(accepted: bool) -> None:
    if not accepted:
        raise invalid("terms_conditions", "the terms and conditions must be accepted (true)")


# -- first start ----------------------------------------------------------------------------

DEFAULT_ORGANIZATION = "default"
DEFAULT_PROJECT = "default"


def bootstrap(session: Session, *, admin_email: str) -> TokenIssued | None:
    """On an empty database: an administrator, its token, and a default organization/project.

    Returns the token (to be shown once), or None when users exist already.
    """
    if repo.count_users(session) > 0:
        return None
    admin = create_user(session, UserCreate(email=admin_email, is_admin=True))
    principal = Principal(user_id=admin.id, email=admin.email, is_admin=True)
    create_organization(
        session,
        principal,
        OrganizationCreate(
            name=DEFAULT_ORGANIZATION, subscription="enterprise", subscription_agreed=True
        ),
    )
    project = create_project(
        session,
        principal,
        ProjectCreate(name=DEFAULT_PROJECT, organization_name=DEFAULT_ORGANIZATION),
    )
    admin_row = repo.get_user(session, admin.id)
    if admin_row is not None:
        admin_row.default_project_id = project.id
        session.flush()
    return issue_token(session, admin.email, description="created on first start")
