"""Leia's data in a project: applications, document models, and one application's documents
and jobs (with the job each waits for). The signed-in user sees its own documents and jobs;
with ``document_models.administer`` it may pick any application of the project, as Leia's
admin routes allow."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response

from modelyard.core.documents import catalog, documents, jobs
from modelyard.core.documents.schemas import DocumentQuery, JobQuery, ModelQuery
from modelyard.core.identity import applications
from modelyard.web.pages.common import Scope, project_scope, read
from modelyard.web.pages.permitted import permitted_project
from modelyard.web.render import render

SHOWN = 50


def _lists(session: Session, scope: Scope, chosen: str | None, admin: bool) -> dict[str, Any]:
    caller = scope.principal.user_id
    owner = (
        applications.owner_in(session, scope.project, scope.principal, chosen)
        if chosen and admin
        else caller
    )
    return {
        "applications": applications.listing(session, scope.project),
        "models": catalog.listing(
            session, scope.project, ModelQuery(limit=SHOWN), caller=caller, admin=admin
        ),
        "documents": documents.listing(session, owner, DocumentQuery(limit=SHOWN)),
        "jobs": jobs.listing(session, owner, JobQuery(limit=SHOWN, sort="-creation_time")),
        "owner": str(owner),
    }


async def leia_page(request: Request) -> Response:
    scope = await project_scope(request, "applications.list")
    admin = (
        await permitted_project(request, scope.principal, scope.name, "document_models.administer")
        is not None
    )
    chosen = request.query_params.get("application") or None
    found = await read(request, lambda session: _lists(session, scope, chosen, admin))
    return render(request, "leia.html", title="Leia", scope=scope, admin=admin, **found)
