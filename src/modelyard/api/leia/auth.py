"""Authentication for the Leia dialect: the ``token`` header holds a login token
(``GET /login/{api_key}``), and any modelyard API token is a valid api_key.

Routes act in the principal's home project. Each names its permission::

    scope: Annotated[Scope, allowed("documents.create")]

A missing, unknown, expired or logged-out token is a 401 (the SDK logs in again on a 401 and
only then); a known application without the permission gets a 403.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, Security
from fastapi.security import APIKeyHeader

from modelyard.api.deps import ContextDep, SessionDep
from modelyard.api.permissions import authenticated, home_permission
from modelyard.core.identity import applications
from modelyard.core.identity.schemas import Principal

TOKEN = APIKeyHeader(
    name="token",
    scheme_name="token",
    description="A login token from `GET /login/{api_key}`",
    auto_error=False,
)


async def get_principal(
    context: ContextDep, token: Annotated[str | None, Security(TOKEN)] = None
) -> Principal:
    return await authenticated(context, token, sessions_only=True)


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def allowed(permission: str) -> Any:
    """``Annotated[Scope, allowed("documents.create")]``: the home project, once the logged-in
    caller holds ``permission`` there."""
    return home_permission(permission, principal=get_principal)


def utc(value: datetime | None) -> datetime | None:
    """Query datetimes come as ``isoformat()`` with an offset, or as the seed's naive
    ``yyyy-MM-ddThh:mm:ss`` in UTC: accept both."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def path_application(
    session: SessionDep, principal: PrincipalDep, application_id: str
) -> uuid.UUID:
    """The application an admin path names (``/admin/{application_id}/...``): the caller or
    an application of its project (else 404 naming ``application_id``)."""
    return applications.owner_of(session, principal, application_id)


def path_submitter(session: SessionDep, principal: PrincipalDep, submitter_id: str) -> uuid.UUID:
    """The submitter an admin job path names (``/admin/{submitter_id}/job/...``)."""
    return applications.owner_of(session, principal, submitter_id)


ApplicationDep = Annotated[uuid.UUID, Depends(path_application)]
SubmitterDep = Annotated[uuid.UUID, Depends(path_submitter)]
