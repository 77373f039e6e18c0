"""Jobs as an admin sees them (``/admin/job``, ``/admin/{submitter_id}/job/...``): the jobs of
any application of the project."""

from __future__ import annotations

from typing import Annotated

from fastapi.responses import JSONResponse, Response

from modelyard.api.deps import SessionDep
from modelyard.api.leia.auth import SubmitterDep, allowed
from modelyard.api.leia.routes._shared import JobQueryDep
from modelyard.api.leia.translate.lists import listed
from modelyard.api.leia.translate.requests import ids
from modelyard.api.openapi import answers
from modelyard.api.permissions import Scope
from modelyard.api.responses import no_content
from modelyard.api.routing import Router
from modelyard.core.documents import jobs
from modelyard.core.documents.schemas import JobRead
from modelyard.core.identity import applications

router = Router()
Admin = Annotated[Scope, allowed("document_models.administer")]


@router.get("/admin/job", responses=answers(404))  # an unknown submitter_id
def admin_get_jobs(
    session: SessionDep, scope: Admin, query: JobQueryDep, submitter_id: str | None = None
) -> JSONResponse:
    owner = applications.owner_in(
        session, scope.project, scope.principal, submitter_id or str(scope.principal.user_id)
    )
    return listed(jobs.listing(session, owner, query))


@router.get("/admin/{submitter_id}/job/{job_id}")
def admin_get_job(session: SessionDep, scope: Admin, owner: SubmitterDep, job_id: str) -> JobRead:
    return jobs.get(session, scope.project, owner, job_id)


@router.get("/admin/{submitter_id}/job/{job_ids}/status")
def admin_get_job_statuses(
    session: SessionDep, scope: Admin, owner: SubmitterDep, job_ids: str
) -> dict[str, str]:
    return jobs.statuses(session, scope.project, owner, ids(job_ids))


@router.post("/admin/{submitter_id}/job/{job_id}/start")
def admin_start_job(
    session: SessionDep,
    scope: Admin,
    owner: SubmitterDep,
    job_id: str,
) -> JobRead:
    return jobs.start(session, scope.project, owner, job_id)


@router.delete("/admin/{submitter_id}/job/{job_id}", status_code=204)
def admin_cancel_job(
    session: SessionDep, scope: Admin, owner: SubmitterDep, job_id: str
) -> Response:
    jobs.cancel(session, scope.project, owner, job_id)
    return no_content()
