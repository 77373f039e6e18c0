"""A permission asked of a project only to decide what to show (a count, a link)."""

from __future__ import annotations

from starlette.requests import Request

from modelyard.api.permissions import granted
from modelyard.core.identity.schemas import Principal, ProjectRef
from modelyard.errors import NotFound, PermissionDenied
from modelyard.web.session import context_of


async def permitted_project(
    request: Request, principal: Principal, name: str, permission: str
) -> ProjectRef | None:
    """The project if ``permission`` is granted there, else None (nothing is shown)."""
    try:
        return await granted(context_of(request), principal, name, permission)
    except (NotFound, PermissionDenied):
        return None
