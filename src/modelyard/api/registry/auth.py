"""Authentication and permissions of the registry: ``Authorization: Bearer <modelyard token>``
(``Token <t>`` is accepted too). The original server had no authentication; modelyard requires
a token on every route except the signed file links, whose signature is the credential.

Every route takes ``scope: Annotated[Scope, allowed("tracking.models.get")]``: the principal and
its home project, once it holds the permission there (401 without a valid token, 403 without
the permission).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Security
from fastapi.security import APIKeyHeader

from modelyard.api.deps import SessionDep
from modelyard.api.permissions import RoutePermission, Scope
from modelyard.core.identity import service
from modelyard.core.identity.access import rules
from modelyard.core.identity.home import require_home
from modelyard.core.identity.rules import parse_authorization
from modelyard.core.identity.schemas import Principal

BEARER = APIKeyHeader(
    name="Authorization", scheme_name="bearer", description="`Bearer <api token>`", auto_error=False
)


def get_principal(
    session: SessionDep, authorization: Annotated[str | None, Security(BEARER)] = None
) -> Principal:
    return service.authenticate(session, parse_authorization(authorization))


PrincipalDep = Annotated[Principal, Depends(get_principal)]


class Permission(RoutePermission):
    """The caller's home project, once the caller holds ``permission`` there."""

    def __init__(self, permission: str) -> None:
        super().__init__(permission, scope=rules.PROJECT_PERMISSIONS)

    def __call__(self, session: SessionDep, principal: PrincipalDep) -> Scope:
        return Scope(principal, require_home(session, principal, self.permission))


def allowed(permission: str) -> Any:
    """``Annotated[Scope, allowed("tracking.models.list")]``."""
    return Depends(Permission(permission))
