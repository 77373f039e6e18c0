"""A project's other parts, listed: schedules, connectors, credentials, service users, roles
and the signed-in user's role assignments; each list shown only with its permission."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response

from modelyard.core.data.connectors import service as connectors
from modelyard.core.identity.access import service as access
from modelyard.core.identity.access import service_users
from modelyard.core.identity.access.schemas import RoleAssignmentCreate, ServiceUserCreate
from modelyard.core.identity.schemas import ProjectRef
from modelyard.core.schedules import service as schedules
from modelyard.web.pages.common import project_scope, read
from modelyard.web.pages.permitted import permitted_project
from modelyard.web.render import form_outcome, render
from modelyard.web.session import checked_form

LISTS: dict[str, tuple[str, Callable[..., list[Any]]]] = {
    "schedules": ("schedules.list", schedules.listing),
    "connectors": ("connectors.list", connectors.list_connectors),
    "credentials": ("credentials.list", connectors.list_credentials),
    "service_users": ("service_users.list", service_users.listing),
    "roles": ("roles.list", access.list_roles),
}


def _mine(session: Session, project: ProjectRef, user_id: str) -> list[Any]:
    return list(access.list_assignments(session, project, user_id))


async def settings_page(request: Request, **shown: Any) -> Response:
    """A project the principal may not see is a 404 page; each list it may not read is left
    out, as the API would refuse it (403)."""
    scope = await project_scope(request, "projects.get")
    found: dict[str, list[Any] | None] = {}
    for key, (permission, listing) in LISTS.items():
        project = await permitted_project(request, scope.principal, scope.name, permission)
        found[key] = await read(request, partial(listing, project=project)) if project else None
    assigned = await permitted_project(
        request, scope.principal, scope.name, "role_assignments.list"
    )
    mine = (
        await read(request, partial(_mine, project=assigned, user_id=str(scope.principal.user_id)))
        if assigned
        else None
    )
    status = 400 if shown.get("error") else 200
    return render(
        request,
        "settings.html",
        status=status,
        title="Project settings",
        scope=scope,
        lists=found,
        mine=mine,
        **shown,
    )


async def service_user_create(request: Request) -> Response:
    """A new service user; its token is shown once, on the page that answers."""
    scope = await project_scope(request, "service_users.create")
    form = await checked_form(request)
    data = ServiceUserCreate(name=str(form.get("name", "")).strip() or None)
    issued, error = await form_outcome(
        lambda: read(request, lambda session: service_users.create(session, scope.project, data))
    )
    return await settings_page(request, issued=issued, error=error)


async def assignment_create(request: Request) -> Response:
    """A role for a service user of the project or a member of its organization."""
    scope = await project_scope(request, "role_assignments.create")
    form = await checked_form(request)
    data = RoleAssignmentCreate(
        user_id=str(form.get("user_id", "")).strip(), role=str(form.get("role", "")).strip()
    )
    assigned, error = await form_outcome(
        lambda: read(
            request, lambda session: access.create_assignment(session, scope.project, data)
        )
    )
    return await settings_page(request, assigned=assigned, error=error)
