"""Authentication and permissions for the UbiOps dialect: ``Authorization: Token <t>``, or
``Bearer <t>`` (what the ubiops-cli sends with the session token of ``POST /authorize``), or
the bare token.

Every route names the permission it needs, through one of these dependencies
(``tests/api/ubiops/test_permissions.py`` walks the route table and fails for a route without):

- A route in a project (``{project_name}`` in the path) takes the project it acts in as::

      project: Annotated[ProjectRef, allowed("models.create")]

  The project is resolved for the principal: 404 when it may not see the project, 403 when
  it may see it but lacks the permission (``core/identity/access``). A role assigned on one
  object (a model, pipeline, connector, credentials) counts when the path names that object.
  The check runs in a transaction of its own, or none when the server's cached lookups
  answer it (``db/lookups``), so it holds no connection while the route runs; routes that wait
  on user code say so with its other name, ``allowed_briefly(...)``.
- A route outside a project (the user, organizations, the project list) takes::

      principal: Annotated[Principal, account("organizations.get")]

  Users pass, and the organization services decide what membership allows; service users pass
  only for the few account permissions of ``SERVICE_USER_ACCOUNT``.
- The direct request checks ``models.versions.requests.create`` inside its one statement
  (``core/serving/hotpath.py``), with the same rules, built by ``core/identity/access``; it
  takes no permission dependency here, and the route walk knows its permission by path.
- A route open to all (``/status``, the sign-in ``/authorize``) says so with
  ``dependencies=[public()]``.

Permission names live in ``core/identity/access/rules.py`` (``PROJECT_PERMISSIONS`` for
project routes, ``ACCOUNT_PERMISSIONS`` for the rest); a name that is not there fails at import.
To add a route: pick or add its permission there, then use one of the dependencies above.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader

from modelyard.api.deps import ContextDep, SessionDep
from modelyard.api.permissions import Public, RoutePermission, authenticated, granted
from modelyard.core.identity import access, service
from modelyard.core.identity.access import rules
from modelyard.core.identity.rules import parse_authorization
from modelyard.core.identity.schemas import Principal, ProjectRef
from modelyard.core.identity.throttle import SignInThrottle

TOKEN = APIKeyHeader(
    name="Authorization",
    scheme_name="token",
    description="`Token <api token>`, or `Bearer <session token>` from `POST /authorize`",
    auto_error=False,
)
AuthorizationDep = Annotated[str | None, Security(TOKEN)]
"""The raw ``Authorization`` header, documented as the dialect's security scheme."""


async def get_principal(context: ContextDep, authorization: AuthorizationDep = None) -> Principal:
    return await authenticated(context, parse_authorization(authorization))


async def get_optional_principal(
    context: ContextDep, authorization: AuthorizationDep = None
) -> Principal | None:
    token = parse_authorization(authorization)
    return await authenticated(context, token) if token else None


PrincipalDep = Annotated[Principal, Depends(get_principal)]
OptionalPrincipalDep = Annotated[Principal | None, Depends(get_optional_principal)]


async def get_signin_throttle(request: Request) -> SignInThrottle:
    """The failed sign-in counts of this process, kept on the UbiOps application."""
    throttle: SignInThrottle = request.app.state.signin_throttle
    return throttle


SignInThrottleDep = Annotated[SignInThrottle, Depends(get_signin_throttle)]


class ProjectPermission(RoutePermission):
    """The project check, in a transaction of its own (none at all when the server's cached
    lookups answer it), so no database connection is held for it while the route runs."""

    def __init__(self, permission: str) -> None:
        super().__init__(permission, scope=rules.PROJECT_PERMISSIONS)

    async def __call__(
        self, request: Request, project_name: str, context: ContextDep, principal: PrincipalDep
    ) -> ProjectRef:
        target = rules.object_of(self.permission, dict(request.path_params))
        return await granted(context, principal, project_name, self.permission, target=target)


class AccountPermission(RoutePermission):
    def __init__(self, permission: str) -> None:
        super().__init__(permission, scope=rules.ACCOUNT_PERMISSIONS)

    async def __call__(self, principal: PrincipalDep) -> Principal:
        return access.require_account(principal, self.permission)


class OptionalAccountPermission(RoutePermission):
    """For sign-up, which may come without credentials when sign-up is open."""

    def __init__(self, permission: str) -> None:
        super().__init__(permission, scope=rules.ACCOUNT_PERMISSIONS)

    async def __call__(self, principal: OptionalPrincipalDep) -> Principal | None:
        return None if principal is None else access.require_account(principal, self.permission)


def allowed(permission: str) -> Any:
    """``Annotated[ProjectRef, allowed("models.get")]``: the project, with the permission."""
    return Depends(ProjectPermission(permission))


def allowed_briefly(permission: str) -> Any:
    """For routes that wait on user code: ``allowed`` holds no connection either, since its
    check runs in a transaction of its own; kept as the name such routes use."""
    return allowed(permission)


def account(permission: str) -> Any:
    """``Annotated[Principal, account("organizations.get")]``: a route outside a project."""
    return Depends(AccountPermission(permission))


def optional_account(permission: str) -> Any:
    """``Annotated[Principal | None, optional_account("user.create")]``."""
    return Depends(OptionalAccountPermission(permission))


def public() -> Any:
    """For ``dependencies=[...]`` of a route open to all."""
    return Depends(Public())


def get_project(project_name: str, session: SessionDep, principal: PrincipalDep) -> ProjectRef:
    """Visibility only, no permission: kept for code being ported; the route walk refuses it."""
    return service.project_scope(session, principal, project_name)


ProjectDep = Annotated[ProjectRef, Depends(get_project)]
