"""The markers every dialect's permission dependencies are made of.

Every route of every dialect names the permission it needs through a dependency that is a
``RoutePermission`` (or says it is open with ``Public``); ``tests/api/ubiops/test_permissions.py``
walks every mounted application and fails for a route without one.

A dialect without a project in the path acts in the principal's home project
(``core/identity/home.py``). Its ``auth.py`` resolves the principal its own way (a bearer
access token, a login token header, ``?token=``) and defines one permission class::

    class Permission(RoutePermission):
        def __init__(self, permission: str) -> None:
            super().__init__(permission, scope=rules.PROJECT_PERMISSIONS)

        def __call__(self, session: SessionDep, principal: DialectPrincipalDep) -> Scope:
            return Scope(principal, require_home(session, principal, self.permission))

used in routes as ``scope: Annotated[Scope, Depends(Permission("datasets.create"))]``.
"""

from __future__ import annotations

from dataclasses import dataclass

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
