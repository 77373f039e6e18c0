"""Service users: token-only principals that live in one project.

A service user is a ``users`` row bound to its project by a ``service_users`` row, so its
tokens authenticate through the same path as anyone's in every dialect. Its email is generated
(``<id>.<project>@serviceuser.modelyard.local``, as the seed does); its token is shown on
creation and on reset only, and a reset deletes the old token at once.

Services flush, never commit: the caller owns the transaction.
"""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from modelyard.core.identity import rules as identity_rules
from modelyard.core.identity.access import repository as repo
from modelyard.core.identity.access.errors import invalid, service_user_not_found
from modelyard.core.identity.access.schemas import (
    ServiceUserCreate,
    ServiceUserIssued,
    ServiceUserRead,
)
from modelyard.core.identity.schemas import ProjectRef
from modelyard.db.tables import ApiTokenRow, ServiceUserRow, UserRow

EMAIL_DOMAIN = "serviceuser.modelyard.local"
NAME_MAX = 256


def _check_name(name: str | None) -> str | None:
    if name is not None and not 1 <= len(name) <= NAME_MAX:
        raise invalid("name", f"must be 1 to {NAME_MAX} characters long")
    return name


def _read(binding: ServiceUserRow, user: UserRow) -> ServiceUserRead:
    return ServiceUserRead(
        id=user.id, email=user.email, name=binding.name, creation_date=binding.creation_date
    )


def _issue(session: Session, user_id: uuid.UUID) -> str:
    secret = identity_rules.new_token()
    session.add(
        ApiTokenRow(
            token_hash=identity_rules.hash_token(secret),
            prefix=secret[:10],
            user_id=user_id,
            description="service user token",
        )
    )
    session.flush()
    return secret


def _find(session: Session, project: ProjectRef, value: str) -> tuple[ServiceUserRow, UserRow]:
    try:
        user_id = uuid.UUID(value)
    except ValueError as exc:
        raise service_user_not_found(value) from exc
    found = repo.get_service_user(session, project.id, user_id)
    if found is None:
        raise service_user_not_found(value)
    return found


def create(session: Session, project: ProjectRef, data: ServiceUserCreate) -> ServiceUserIssued:
    """A new service user of ``project`` with its first token (returned only here)."""
    name = _check_name(data.name)
    user_id = uuid.uuid4()
    user = UserRow(id=user_id, email=f"{user_id}.{project.name}@{EMAIL_DOMAIN}", is_admin=False)
    session.add(user)
    session.flush()
    binding = ServiceUserRow(user_id=user_id, project_id=project.id, name=name)
    session.add(binding)
    session.flush()
    token = _issue(session, user_id)
    return ServiceUserIssued(**_read(binding, user).model_dump(), token=token)


def listing(session: Session, project: ProjectRef) -> list[ServiceUserRead]:
    return [_read(b, u) for b, u in repo.list_service_users(session, project.id)]


def get(session: Session, project: ProjectRef, service_user_id: str) -> ServiceUserRead:
    return _read(*_find(session, project, service_user_id))


def update(
    session: Session, project: ProjectRef, service_user_id: str, data: ServiceUserCreate
) -> ServiceUserRead:
    """Rename a service user (its email and tokens stay)."""
    binding, user = _find(session, project, service_user_id)
    if "name" in data.model_fields_set:
        binding.name = _check_name(data.name)
        session.flush()
    return _read(binding, user)


def delete(session: Session, project: ProjectRef, service_user_id: str) -> None:
    """Delete a service user; its tokens and role assignments go with it at once."""
    _, user = _find(session, project, service_user_id)
    session.delete(user)
    session.flush()


def reset_token(session: Session, project: ProjectRef, service_user_id: str) -> str:
    """Replace every token of the service user with one new token, returned only here."""
    _, user = _find(session, project, service_user_id)
    repo.delete_tokens_of(session, user.id)
    return _issue(session, user.id)
