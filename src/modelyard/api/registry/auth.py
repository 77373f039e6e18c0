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

from modelyard.api.deps import ContextDep
from modelyard.api.permissions import authenticated, home_permission
from modelyard.core.identity.rules import parse_authorization
from modelyard.core.identity.schemas import Principal

BEARER = APIKeyHeader(
    name="Authorization", scheme_name="bearer", description="`Bearer <api token>`", auto_error=False
)


async def get_principal(
    context: ContextDep, authorization: Annotated[str | None, Security(BEARER)] = None
) -> Principal:
    return await authenticated(context, parse_authorization(authorization))


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def allowed(permission: str) -> Any:
    """``Annotated[Scope, allowed("tracking.models.list")]``: the caller's home project, once
    the caller holds ``permission`` there."""
    return home_permission(permission, principal=get_principal)
