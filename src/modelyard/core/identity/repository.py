"""All SQL of the identity domain."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from modelyard.db.tables import (
    ApiTokenRow,
    OrganizationMemberRow,
    OrganizationRow,
    ProjectRow,
    SubscriptionRow,
    UserRow,
)
from modelyard.errors import Conflict


def add(session: Session, row: object, *, conflict: Conflict) -> None:
    """Insert ``row`` now, turning a unique-constraint race into ``conflict``."""
    session.add(row)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as exc:
        raise conflict from exc


def flush(session: Session, *, conflict: Conflict) -> None:
    """Write pending changes now, turning a unique-constraint race into ``conflict``."""
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as exc:
        raise conflict from exc


def count_users(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(UserRow)) or 0


def count_admins(session: Session) -> int:
    query = select(func.count()).select_from(UserRow).where(UserRow.is_admin.is_(True))
    return session.scalar(query) or 0


def get_user(session: Session, user_id: uuid.UUID) -> UserRow | None:
    return session.get(UserRow, user_id)


def get_user_by_email(session: Session, email: str) -> UserRow | None:
    return session.scalar(select(UserRow).where(UserRow.email == email))


def get_subscription(session: Session, name: str) -> SubscriptionRow | None:
    return session.get(SubscriptionRow, name)


def get_organization_by_name(session: Session, name: str) -> OrganizationRow | None:
    return session.scalar(select(OrganizationRow).where(OrganizationRow.name == name))


def get_membership(
    session: Session, organization_id: uuid.UUID, user_id: uuid.UUID
) -> OrganizationMemberRow | None:
    query = select(OrganizationMemberRow).where(
        OrganizationMemberRow.organization_id == organization_id,
        OrganizationMemberRow.user_id == user_id,
    )
    return session.scalar(query)


def list_organizations_of(session: Session, user_id: uuid.UUID) -> Sequence[OrganizationRow]:
    query = (
        select(OrganizationRow)
        .join(OrganizationMemberRow, OrganizationMemberRow.organization_id == OrganizationRow.id)
        .where(OrganizationMemberRow.user_id == user_id)
        .order_by(OrganizationRow.name)
    )
    return session.scalars(query).all()


def get_project_by_name(session: Session, name: str) -> tuple[ProjectRow, OrganizationRow] | None:
    query = (
        select(ProjectRow, OrganizationRow)
        .join(OrganizationRow, OrganizationRow.id == ProjectRow.organization_id)
        .where(ProjectRow.name == name)
    )
    found = session.execute(query).first()
    return (found[0], found[1]) if found else None


def list_projects_of(
    session: Session, user_id: uuid.UUID, *, organization_name: str | None = None
) -> Sequence[tuple[ProjectRow, OrganizationRow]]:
    query = (
        select(ProjectRow, OrganizationRow)
        .join(OrganizationRow, OrganizationRow.id == ProjectRow.organization_id)
        .join(OrganizationMemberRow, OrganizationMemberRow.organization_id == OrganizationRow.id)
        .where(OrganizationMemberRow.user_id == user_id)
        .order_by(ProjectRow.name)
    )
    if organization_name is not None:
        query = query.where(OrganizationRow.name == organization_name)
    return [(project, organization) for project, organization in session.execute(query).all()]


def get_token_by_hash(session: Session, token_hash: str) -> tuple[ApiTokenRow, UserRow] | None:
    query = (
        select(ApiTokenRow, UserRow)
        .join(UserRow, UserRow.id == ApiTokenRow.user_id)
        .where(ApiTokenRow.token_hash == token_hash)
    )
    found = session.execute(query).first()
    return (found[0], found[1]) if found else None


def get_token(session: Session, token_id: uuid.UUID) -> ApiTokenRow | None:
    return session.get(ApiTokenRow, token_id)


def list_tokens(session: Session, user_id: uuid.UUID | None = None) -> Sequence[ApiTokenRow]:
    query = select(ApiTokenRow).order_by(ApiTokenRow.created_at)
    if user_id is not None:
        query = query.where(ApiTokenRow.user_id == user_id)
    return session.scalars(query).all()


def delete_tokens_expired_before(session: Session, moment: datetime) -> int:
    result = session.execute(
        delete(ApiTokenRow).where(
            ApiTokenRow.expires_at.is_not(None), ApiTokenRow.expires_at < moment
        )
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
