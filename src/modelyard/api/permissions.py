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
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends
from sqlalchemy.orm import Session

from modelyard.api.deps import SessionDep
from modelyard.core.identity.access import rules
from modelyard.core.identity.home import require_home
from modelyard.core.identity.schemas import Principal, ProjectRef


class RoutePermission:
    """A dependency that carries the name of the permission its route needs."""

    def __init__(self, permission: str, *, scope: tuple[str, ...]) -> None:
        if permission not in scope:
            raise ValueError(f"unknown permission {permission!r}: add it to access/rules.py")
        self.permission = permission


class Public:
    """Marks a route open to all, without credentials (health, login, token endpoints)."""

    def __call__(self) -> None:
        return None


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

    def __init__(self, permission: str, *, principal: Callable[..., Principal]) -> None:
        super().__init__(permission, scope=rules.PROJECT_PERMISSIONS)
        keyword = inspect.Parameter.KEYWORD_ONLY
        self.__signature__ = inspect.Signature(
            [
                inspect.Parameter("session", keyword, annotation=SessionDep),
                inspect.Parameter(
                    "principal", keyword, annotation=Annotated[Principal, Depends(principal)]
                ),
            ],
            return_annotation=Scope,
        )

    def __call__(self, *, session: Session, principal: Principal) -> Scope:
        return Scope(principal, require_home(session, principal, self.permission))


def home_permission(permission: str, *, principal: Callable[..., Principal]) -> Any:
    """``Depends`` on ``HomePermission``: for a dialect's ``allowed(permission)``."""
    return Depends(HomePermission(permission, principal=principal))
