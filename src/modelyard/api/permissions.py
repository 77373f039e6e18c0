"""The markers every dialect's permission dependencies are made of, and the one permission
check of the dialects that name no project in the path.

Every route of every dialect names the permission it needs through a dependency that is a
``RoutePermission`` (or says it is open with ``Public``); ``tests/api/ubiops/test_permissions.py``
walks every mounted application and fails for a route without one.

A dialect without a project in the path acts in the principal's home project
(``core/identity/home.py``). Its ``auth.py`` resolves the principal its own way (a bearer
access token, a login token header, ``?token=``) in a ``get_principal`` dependency whose
``Security(...)`` parameters name its security scheme, and binds it here::

    def allowed(permission: str) -> Any:
        return home_permission(permission, principal=get_principal)

used in routes as ``scope: Annotated[Scope, allowed("datasets.create")]``. The outcomes are the
core's: the dialect's ``get_principal`` decides the 401s, ``require_home`` the 403s.

Every dialect's ``get_principal`` and permission dependencies are async and go through
``authenticated``, ``granted`` and ``granted_home``: answered from the server's cached lookups
they cost no thread hop and no query; otherwise they read in a transaction of their own.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastapi import Depends
from sqlalchemy.orm import Session

from modelyard.api.context import AppContext
from modelyard.api.deps import ContextDep, in_transaction
from modelyard.api.kept import note_credential
from modelyard.core.identity import access, service
from modelyard.core.identity.access import rules
from modelyard.core.identity.home import known_home, require_home
from modelyard.core.identity.schemas import Principal, ProjectRef
from modelyard.db.lookups import Lookups, kept_by

T = TypeVar("T")


class RoutePermission:
    """A dependency that carries the name of the permission its route needs."""

    def __init__(self, permission: str, *, scope: tuple[str, ...]) -> None:
        if permission not in scope:
            raise ValueError(f"unknown permission {permission!r}: add it to access/rules.py")
        self.permission = permission


class Public:
    """Marks a route open to all, without credentials (health, login, token endpoints)."""

    async def __call__(self) -> None:
        return None


async def authenticated(
    context: AppContext, token: str | None, *, sessions_only: bool = False
) -> Principal:
    """The caller's principal (``identity.authenticate``)."""
    principal = await _known_or_read(
        context,
        lambda lookups: service.known_principal(lookups, token, sessions_only=sessions_only),
        lambda session: service.authenticate(session, token, sessions_only=sessions_only),
    )
    note_credential(principal.expires_at)  # a kept answer ends with it (``api/kept.py``)
    return principal


async def granted(
    context: AppContext,
    principal: Principal,
    project_name: str,
    permission: str,
    *,
    target: tuple[str, str] | None = None,
) -> ProjectRef:
    """The project, once ``permission`` is granted there (``access.require``)."""
    return await _known_or_read(
        context,
        lambda lookups: access.known(lookups, principal, project_name, permission, target=target),
        lambda session: access.require(session, principal, project_name, permission, target=target),
    )


async def granted_home(context: AppContext, principal: Principal, permission: str) -> ProjectRef:
    """The home project, once ``permission`` is granted there (``require_home``)."""
    return await _known_or_read(
        context,
        lambda lookups: known_home(lookups, principal, permission),
        lambda session: require_home(session, principal, permission),
    )


async def _known_or_read(
    context: AppContext,
    known: Callable[[Lookups | None], T | None],
    read: Callable[[Session], T],
) -> T:
    """The answer from this server's cached lookups, with no thread hop and no query, else read
    (and refused, if so) in a transaction of its own on a worker thread (``db/lookups``)."""
    found = known(kept_by(context.sessions))
    if found is not None:
        return found
    return await in_transaction(context.sessions, read)


@dataclass(frozen=True)
class Scope:
    """Who asks and the project they act in, once the route's permission is granted."""

    principal: Principal
    project: ProjectRef


class HomePermission(RoutePermission):
    """The route's permission, checked in the caller's home project.

    ``principal`` is the dialect's dependency that authenticates the caller; the signature
    FastAPI reads is built around it, so one class serves every dialect and each keeps its own
    security scheme in its OpenAPI document.
    """

    def __init__(self, permission: str, *, principal: Callable[..., Awaitable[Principal]]) -> None:
        super().__init__(permission, scope=rules.PROJECT_PERMISSIONS)
        keyword = inspect.Parameter.KEYWORD_ONLY
        self.__signature__ = inspect.Signature(
            [
                inspect.Parameter("context", keyword, annotation=ContextDep),
                inspect.Parameter(
                    "principal", keyword, annotation=Annotated[Principal, Depends(principal)]
                ),
            ],
            return_annotation=Scope,
        )

    async def __call__(self, *, context: AppContext, principal: Principal) -> Scope:
        return Scope(principal, await granted_home(context, principal, self.permission))


def home_permission(permission: str, *, principal: Callable[..., Awaitable[Principal]]) -> Any:
    """``Depends`` on ``HomePermission``: for a dialect's ``allowed(permission)``."""
    return Depends(HomePermission(permission, principal=principal))
