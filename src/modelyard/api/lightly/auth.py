"""Authentication and permissions for the Lightly dialect: ``?token=<t>`` (what the client
sends), or ``Authorization: Bearer <t>``; any modelyard API token.

Lightly names no project in the path, so every route acts in the principal's home project
(``core/identity/home.py``). Routes take::

    scope: Annotated[Scope, allowed("datasources.get")]

401 without a valid token, 403 when the principal lacks the permission in its home project.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Security
from fastapi.security import APIKeyHeader, APIKeyQuery

from modelyard.api.deps import ContextDep
from modelyard.api.permissions import RoutePermission, authenticated, home_permission
from modelyard.core.identity.access import rules
from modelyard.core.identity.rules import parse_authorization
from modelyard.core.identity.schemas import Principal

TOKEN = APIKeyQuery(
    name="token", scheme_name="token", description="A modelyard API token", auto_error=False
)
BEARER = APIKeyHeader(
    name="Authorization", scheme_name="bearer", description="`Bearer <api token>`", auto_error=False
)


async def get_principal(
    context: ContextDep,
    token: Annotated[str | None, Security(TOKEN)] = None,
    authorization: Annotated[str | None, Security(BEARER)] = None,
) -> Principal:
    return await authenticated(context, token or parse_authorization(authorization))


PrincipalDep = Annotated[Principal, Depends(get_principal)]


class SignedLink(RoutePermission):
    """For the file links of LOCAL datasources: the link itself is the credential (sealed by
    the server for a principal that held ``datasources.get``); the route checks it."""

    def __init__(self) -> None:
        super().__init__("datasources.get", scope=rules.PROJECT_PERMISSIONS)

    async def __call__(self) -> None:
        return None


def allowed(permission: str) -> Any:
    """``Annotated[Scope, allowed("datasources.get")]``."""
    return home_permission(permission, principal=get_principal)


def signed_link() -> Any:
    """For ``dependencies=[...]`` of the route serving signed file links."""
    return Depends(SignedLink())


def allowed_briefly(permission: str) -> Any:
    """For routes that then wait on an external store (verify, listing): ``allowed`` holds no
    connection either, since its check runs in a transaction of its own; kept as their name."""
    return allowed(permission)
