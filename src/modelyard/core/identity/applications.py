"""Leia applications: service users of a project with Leia's fields.

An application is a service user (so its API key is a modelyard API token that works in every
dialect) plus an ``applications`` row with its type, email and names. What it may do comes from
an ordinary role assignment in its project:

- ``admin`` applications hold ``project-admin``;
- ``developer`` applications hold the project's custom role ``leia-developer``: their own
  documents and jobs, and reading and applying the models they are allowed to use, but none of
  the ``/admin`` endpoints (``document_models.administer``, model creation, applications).

A user (not a service user) who logs in with a personal token is shown as an application of its
own: its id, email and names, ``admin`` when it may administer document models in its home
project.

Services flush, never commit: the caller owns the transaction.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.orm import Session

from modelyard.core.identity import repository as repo
from modelyard.core.identity import rules as identity_rules
from modelyard.core.identity import service as identity_service
from modelyard.core.identity.access import rules as access_rules
from modelyard.core.identity.access import service as access
from modelyard.core.identity.access import service_users
from modelyard.core.identity.access.schemas import (
    RoleAssignmentCreate,
    RoleCreate,
    ServiceUserCreate,
)
from modelyard.core.identity.errors import bad_token
from modelyard.core.identity.home import home_project
from modelyard.core.identity.schemas import Principal, ProjectRef
from modelyard.db.tables import ApplicationRow, ServiceUserRow, UserRow
from modelyard.errors import InvalidInput, NotFound

ADMIN_PERMISSION = "document_models.administer"
DEVELOPER_ROLE = "leia-developer"
DEVELOPER_PERMISSIONS = [
    *access_rules._crud("documents"),
    "document_models.list",
    "document_models.get",
    "document_models.apply",
    *access_rules._crud("jobs"),
]
TYPES = ("admin", "developer")


class ApplicationCreate(BaseModel):
    application_name: str
    application_type: str = "developer"
    email: str
    first_name: str
    last_name: str
    default_job_callback_url: str | None = None


class ApplicationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    application_name: str
    application_type: str
    email: str
    first_name: str
    last_name: str
    creation_time: datetime
    default_job_callback_url: str | None = None
    api_key: str | None = None


def _read(row: ApplicationRow, api_key: str | None = None) -> ApplicationRead:
    return ApplicationRead(
        id=str(row.user_id),
        application_name=row.application_name,
        application_type=row.application_type,
        email=row.email,
        first_name=row.first_name,
        last_name=row.last_name,
        creation_time=row.created_at,
        default_job_callback_url=row.default_job_callback_url,
        api_key=api_key,
    )


def application_of(session: Session, principal: Principal, project: ProjectRef) -> ApplicationRead:
    """The application the principal is (``GET /whoami``, the login answer)."""
    row = session.get(ApplicationRow, principal.user_id)
    if row is not None:
        return _read(row)
    user = session.get(UserRow, principal.user_id)
    if user is None:
        raise bad_token()
    admin = access.holds(session, principal, project.name, ADMIN_PERMISSION)
    local, _, _ = user.email.partition("@")
    return ApplicationRead(
        id=str(user.id),
        application_name=user.name or local,
        application_type="admin" if admin else "developer",
        email=user.email,
        first_name=user.name or local,
        last_name=user.surname or "",
        creation_time=user.registration_date,
    )


def _check(data: ApplicationCreate) -> None:
    if data.application_type not in TYPES:
        raise InvalidInput(
            f"application_type: must be one of {', '.join(TYPES)}", field="application_type"
        )
    for field in ("application_name", "first_name", "last_name"):
        value = getattr(data, field)
        if not value or not value.strip() or len(value) > 256:
            raise InvalidInput(f"{field}: must be 1 to 256 characters", field=field)
    identity_rules.check_email(data.email)


def _developer_role(session: Session, project: ProjectRef) -> str:
    names = {role.name for role in access.list_roles(session, project)}
    if DEVELOPER_ROLE not in names:
        access.create_role(
            session, project, RoleCreate(name=DEVELOPER_ROLE, permissions=DEVELOPER_PERMISSIONS)
        )
    return DEVELOPER_ROLE


def create(session: Session, project: ProjectRef, data: ApplicationCreate) -> ApplicationRead:
    """A new application of ``project`` with its API key (shown only here)."""
    _check(data)
    issued = service_users.create(session, project, ServiceUserCreate(name=data.application_name))
    role = (
        access_rules.ADMIN
        if data.application_type == "admin"
        else _developer_role(session, project)
    )
    access.create_assignment(
        session, project, RoleAssignmentCreate(user_id=str(issued.id), role=role)
    )
    row = ApplicationRow(
        user_id=issued.id,
        project_id=project.id,
        application_name=data.application_name,
        application_type=data.application_type,
        email=data.email,
        first_name=data.first_name,
        last_name=data.last_name,
        default_job_callback_url=data.default_job_callback_url,
    )
    session.add(row)
    session.flush()
    return _read(row, api_key=issued.token)


def _find(session: Session, project: ProjectRef, application_id: str) -> ApplicationRow:
    try:
        key = uuid.UUID(application_id)
    except ValueError:
        raise NotFound(f"No application '{application_id}'", field="application_id") from None
    row = session.get(ApplicationRow, key)
    if row is None or row.project_id != project.id:
        raise NotFound(f"No application '{application_id}'", field="application_id")
    return row


def get(session: Session, project: ProjectRef, application_id: str) -> ApplicationRead:
    return _read(_find(session, project, application_id))


def listing(session: Session, project: ProjectRef) -> list[ApplicationRead]:
    rows = session.scalars(
        select(ApplicationRow)
        .where(ApplicationRow.project_id == project.id)
        .order_by(ApplicationRow.created_at)
    )
    return [_read(row) for row in rows]


def delete(session: Session, project: ProjectRef, application_id: str) -> None:
    """Delete the application and its service user (its keys and tokens stop working)."""
    row = _find(session, project, application_id)
    service_users.delete(session, project, str(row.user_id))


def owner_in(
    session: Session, project: ProjectRef, principal: Principal, application_id: str
) -> uuid.UUID:
    """The application an admin route names: the caller itself, or an application of the
    project (a service user of it); anything else is a 404 naming ``application_id``."""
    if application_id == str(principal.user_id):
        return principal.user_id
    try:
        key = uuid.UUID(application_id)
    except ValueError:
        raise NotFound(f"No application '{application_id}'", field="application_id") from None
    binding = session.scalar(
        select(ServiceUserRow).where(
            ServiceUserRow.user_id == key, ServiceUserRow.project_id == project.id
        )
    )
    member = repo.get_user(session, key) if binding is None else None
    if binding is None and (member is None or not _sees(session, member, project)):
        raise NotFound(f"No application '{application_id}'", field="application_id")
    return key


def _sees(session: Session, user: UserRow, project: ProjectRef) -> bool:
    return repo.get_membership(session, project.organization_id, user.id) is not None


class LoginRead(BaseModel):
    token: str
    application: ApplicationRead


def login(session: Session, api_key: str) -> LoginRead:
    """A login token for the holder of ``api_key`` (any modelyard API token): revocable with
    ``logout``, valid until then."""
    principal = identity_service.authenticate(session, api_key)
    project = home_project(session, principal)
    issued = identity_service.issue_session_token(
        session, principal, lifetime=None, description="leia login"
    )
    return LoginRead(token=issued.token, application=application_of(session, principal, project))


def logout(session: Session, token: str) -> None:
    """The login token stops working at once."""
    identity_service.revoke_token(session, token)


def whoami(session: Session, principal: Principal) -> ApplicationRead:
    return application_of(session, principal, home_project(session, principal))


def owner_of(session: Session, principal: Principal, application_id: str) -> uuid.UUID:
    """``owner_in`` the principal's home project."""
    return owner_in(session, home_project(session, principal), principal, application_id)


def reset_api_key(session: Session, project: ProjectRef, application_id: str) -> ApplicationRead:
    """A new API key for the application; every earlier key and login token stops working."""
    row = _find(session, project, application_id)
    key = service_users.reset_token(session, project, str(row.user_id))
    return _read(row, api_key=key)
