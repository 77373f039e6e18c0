"""What every page does first: who asks, and the project once the permission is granted, by
the same checks the API's routes use (``api/permissions``); then one core call in a
transaction of its own."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy.orm import Session
from starlette.requests import Request

from modelyard.api.deps import in_transaction
from modelyard.api.permissions import granted
from modelyard.core.identity.schemas import Principal, ProjectRef
from modelyard.web.session import context_of, principal_of

T = TypeVar("T")


@dataclass(frozen=True)
class Scope:
    principal: Principal
    project: ProjectRef
    name: str


async def signed_in(request: Request) -> Principal:
    principal = await principal_of(request)
    request.state.principal = principal
    return principal


async def project_scope(request: Request, permission: str) -> Scope:
    """The path's project for the signed-in principal: a 404 page when it may not see it, a
    403 page when it may see it but lacks ``permission``."""
    principal = await signed_in(request)
    name = str(request.path_params["project"])
    project = await granted(context_of(request), principal, name, permission)
    return Scope(principal, project, name)


async def read(request: Request, work: Callable[[Session], T]) -> T:
    """``work`` in one transaction on a worker thread (committed if it writes)."""
    return await in_transaction(context_of(request).sessions, work)
