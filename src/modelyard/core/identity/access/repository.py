"""All SQL of access control."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, false, func, or_, select, true
from sqlalchemy.orm import QueryableAttribute, Session

from modelyard.core.identity.access import rules
from modelyard.db.tables import (
    ApiTokenRow,
    ConnectorRow,
    CredentialsRow,
    ModelRow,
    OrganizationMemberRow,
    PipelineRow,
    ProjectRow,
    RoleAssignmentRow,
    RolePermissionRow,
    RoleRow,
    ServiceUserRow,
    UserRow,
)

OBJECT_TABLES: dict[str, Any] = {
    "model": ModelRow,
    "pipeline": PipelineRow,
    "connector": ConnectorRow,
    "credentials": CredentialsRow,
}


def get_token_principal(
    session: Session, token_hash: str
) -> tuple[ApiTokenRow, UserRow, uuid.UUID | None] | None:
    """A token with its user and, for a service user, the project it lives in."""
    query = (
        select(ApiTokenRow, UserRow, ServiceUserRow.project_id)
        .join(UserRow, UserRow.id == ApiTokenRow.user_id)
        .outerjoin(ServiceUserRow, ServiceUserRow.user_id == UserRow.id)
        .where(ApiTokenRow.token_hash == token_hash)
    )
    found = session.execute(query).first()
    return (found[0], found[1], found[2]) if found else None


# -- the check, as SQL ----------------------------------------------------------------------

UserId = uuid.UUID | ColumnElement[uuid.UUID] | QueryableAttribute[uuid.UUID]
"""Who asks: a value, or the column of the statement the clauses go into."""


def _standing(user_id: UserId, standing: str) -> ColumnElement[bool]:
    """Whether the user has ``standing`` in the organization of ``ProjectRow``."""
    m = OrganizationMemberRow
    query = select(m.id).where(
        m.organization_id == ProjectRow.organization_id, m.user_id == user_id
    )
    if standing == rules.ORGANIZATION_ADMIN:
        query = query.where(m.admin == true())
    return query.exists()


def _assigned(
    user_id: UserId, permission: str, target: tuple[str, Any] | None
) -> ColumnElement[bool]:
    """Whether a role assigned in ``ProjectRow`` on the project, or on ``target``, holds
    ``permission`` (a built-in role by ``BUILTIN_ROLES``, a custom one by its permissions)."""
    a, p = RoleAssignmentRow, RolePermissionRow
    custom = select(p.id).where(p.role_id == a.role_id, p.permission == permission).exists()
    on = a.object_type == rules.PROJECT_OBJECT
    if target is not None:
        on = or_(on, and_(a.object_type == target[0], a.object_name == target[1]))
    held = or_(a.builtin_role.in_(rules.roles_with(permission)), custom)
    return (
        select(a.id).where(a.user_id == user_id, a.project_id == ProjectRow.id, on, held).exists()
    )


def access_clauses(
    user_id: UserId, permission: str, *, target: tuple[str, Any] | None = None
) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    """Whether the user may see ``ProjectRow``, and whether it holds ``permission`` there, as
    two boolean columns for a statement that selects from ``ProjectRow`` (both false where the
    project is NULL). The one formulation of the rules of ``service``, for the ordinary check
    and for the direct request's one statement (``core/serving/hotpath.py``) alike."""
    binding = select(ServiceUserRow.user_id).where(ServiceUserRow.user_id == user_id)
    user = ~binding.exists()
    at_home = binding.where(ServiceUserRow.project_id == ProjectRow.id).exists()
    visible = or_(at_home, and_(user, _standing(user_id, rules.ORGANIZATION_MEMBER)))
    standing = [_standing(user_id, s) for s in rules.standings_with(permission)]
    implicit = and_(user, or_(false(), *standing))
    return visible, or_(implicit, _assigned(user_id, permission, target))


def project_access(
    session: Session,
    user_id: uuid.UUID,
    project_name: str,
    *,
    permission: str,
    target: tuple[str, str] | None,
) -> tuple[ProjectRow, bool, bool] | None:
    """The project with whether the user may see it and holds ``permission``; None if none."""
    visible, allowed = access_clauses(user_id, permission, target=target)
    query = select(ProjectRow, visible, allowed).where(ProjectRow.name == project_name)
    found = session.execute(query).first()
    return (found[0], bool(found[1]), bool(found[2])) if found else None


# -- roles ----------------------------------------------------------------------------------


def list_roles(session: Session, project_id: uuid.UUID) -> Sequence[RoleRow]:
    query = select(RoleRow).where(RoleRow.project_id == project_id).order_by(RoleRow.name)
    return session.scalars(query).all()


def get_role(session: Session, project_id: uuid.UUID, name: str) -> RoleRow | None:
    query = select(RoleRow).where(RoleRow.project_id == project_id, RoleRow.name == name)
    return session.scalar(query)


def role_permissions(session: Session, role_id: uuid.UUID) -> list[str]:
    query = (
        select(RolePermissionRow.permission)
        .where(RolePermissionRow.role_id == role_id)
        .order_by(RolePermissionRow.id)
    )
    return list(session.scalars(query).all())


def set_role_permissions(session: Session, role_id: uuid.UUID, permissions: list[str]) -> None:
    session.execute(delete(RolePermissionRow).where(RolePermissionRow.role_id == role_id))
    session.add_all(RolePermissionRow(role_id=role_id, permission=p) for p in permissions)
    session.flush()


# -- role assignments -----------------------------------------------------------------------


def list_assignments(
    session: Session, project_id: uuid.UUID, user_id: uuid.UUID
) -> Sequence[tuple[RoleAssignmentRow, str | None]]:
    """A user's assignments in a project with the custom role's name, oldest first."""
    query = (
        select(RoleAssignmentRow, RoleRow.name)
        .outerjoin(RoleRow, RoleRow.id == RoleAssignmentRow.role_id)
        .where(RoleAssignmentRow.project_id == project_id, RoleAssignmentRow.user_id == user_id)
        .order_by(RoleAssignmentRow.created_at, RoleAssignmentRow.id)
    )
    return [(row, name) for row, name in session.execute(query).all()]


def get_assignment(
    session: Session, project_id: uuid.UUID, assignment_id: uuid.UUID
) -> tuple[RoleAssignmentRow, str | None] | None:
    query = (
        select(RoleAssignmentRow, RoleRow.name)
        .outerjoin(RoleRow, RoleRow.id == RoleAssignmentRow.role_id)
        .where(RoleAssignmentRow.project_id == project_id, RoleAssignmentRow.id == assignment_id)
    )
    found = session.execute(query).first()
    return (found[0], found[1]) if found else None


def same_assignment_exists(session: Session, candidate: RoleAssignmentRow) -> bool:
    """Whether the user already holds this role on this object (NULLs compared as equal)."""
    a = RoleAssignmentRow
    builtin, role_id = candidate.builtin_role, candidate.role_id
    query = select(func.count()).where(
        a.project_id == candidate.project_id,
        a.user_id == candidate.user_id,
        a.object_type == candidate.object_type,
        a.object_name == candidate.object_name,
        a.builtin_role.is_(None) if builtin is None else a.builtin_role == builtin,
        a.role_id.is_(None) if role_id is None else a.role_id == role_id,
    )
    return bool(session.scalar(query))


def object_exists(session: Session, project_id: uuid.UUID, object_type: str, name: str) -> bool:
    table = OBJECT_TABLES[object_type]
    query = select(func.count()).where(table.project_id == project_id, table.name == name)
    return bool(session.scalar(query))


def may_hold_roles(session: Session, project: ProjectRow, user_id: uuid.UUID) -> bool:
    """Organization members and this project's service users can be assigned roles in it."""
    member = select(OrganizationMemberRow.user_id).where(
        OrganizationMemberRow.organization_id == project.organization_id,
        OrganizationMemberRow.user_id == user_id,
    )
    service = select(ServiceUserRow.user_id).where(
        ServiceUserRow.project_id == project.id, ServiceUserRow.user_id == user_id
    )
    return session.execute(member.union_all(service).limit(1)).first() is not None


# -- service users --------------------------------------------------------------------------


def list_service_users(
    session: Session, project_id: uuid.UUID
) -> Sequence[tuple[ServiceUserRow, UserRow]]:
    query = (
        select(ServiceUserRow, UserRow)
        .join(UserRow, UserRow.id == ServiceUserRow.user_id)
        .where(ServiceUserRow.project_id == project_id)
        .order_by(ServiceUserRow.creation_date, UserRow.id)
    )
    return [(s, u) for s, u in session.execute(query).all()]


def get_service_user(
    session: Session, project_id: uuid.UUID, user_id: uuid.UUID
) -> tuple[ServiceUserRow, UserRow] | None:
    query = (
        select(ServiceUserRow, UserRow)
        .join(UserRow, UserRow.id == ServiceUserRow.user_id)
        .where(ServiceUserRow.project_id == project_id, ServiceUserRow.user_id == user_id)
    )
    found = session.execute(query).first()
    return (found[0], found[1]) if found else None


def delete_tokens_of(session: Session, user_id: uuid.UUID) -> None:
    session.execute(delete(ApiTokenRow).where(ApiTokenRow.user_id == user_id))


def delete_service_users_of(session: Session, project_id: uuid.UUID) -> None:
    """Remove a project's service users (their user rows, so their tokens go with them)."""
    ids = select(ServiceUserRow.user_id).where(ServiceUserRow.project_id == project_id)
    session.execute(
        delete(UserRow).where(UserRow.id.in_(ids)), execution_options={"synchronize_session": False}
    )
