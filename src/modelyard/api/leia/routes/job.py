"""Jobs: apply (admin and developer) and train, then get, list, statuses, start and cancel.
An application sees only the jobs it submitted."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Body, Depends, Query
from fastapi.responses import JSONResponse, Response

from modelyard.api.deps import SessionDep
from modelyard.api.leia.auth import ApplicationDep, allowed, path_application
from modelyard.api.leia.protocol.bodies import ApplyBody, TrainBody
from modelyard.api.leia.routes._shared import JobQueryDep
from modelyard.api.leia.translate.lists import listed
from modelyard.api.leia.translate.requests import apply_request, ids, train_request
from modelyard.api.permissions import Scope
from modelyard.api.responses import no_content
from modelyard.api.routing import Router
from modelyard.core.documents import jobs
from modelyard.core.documents.schemas import JobRead

router = Router()
ListParam = Annotated[list[str], Query()]


async def _apply_query(
    tag: str | None = None,
    format_type: str | None = None,
    execute_after_id: str | None = None,
    page_range: str | None = None,
    callback_url: str | None = None,
    model_params: str | None = None,
    block_processing: bool | None = None,
) -> dict[str, Any]:
    return {
        "tag": tag,
        "format_type": format_type,
        "execute_after_id": execute_after_id,
        "page_range": page_range,
        "callback_url": callback_url,
        "model_params": model_params,
        "block_processing": block_processing,
    }


ApplyQuery = Annotated[dict[str, Any], Depends(_apply_query)]
OptionalApplyBody = Annotated[ApplyBody | None, Body()]


@router.post(
    "/admin/{application_id}/model/{model_id}/apply/{document_ids}",
    dependencies=[Depends(path_application)],
)
def admin_apply_model_async(
    session: SessionDep,
    scope: Annotated[Scope, allowed("document_models.administer")],
    model_id: str,
    document_ids: str,
    query: ApplyQuery,
    body: OptionalApplyBody = None,
) -> JobRead:
    data = apply_request(document_ids, body, query=query)
    return jobs.submit_apply(
        session, scope.project, scope.principal.user_id, model_id, data, admin=True
    )


@router.post("/model/{model_id}/apply/{document_ids}")
def apply_model_async(
    session: SessionDep,
    scope: Annotated[Scope, allowed("document_models.apply")],
    model_id: str,
    document_ids: str,
    query: ApplyQuery,
    body: OptionalApplyBody = None,
) -> JobRead:
    data = apply_request(document_ids, body, query=query)
    return jobs.submit_apply(
        session, scope.project, scope.principal.user_id, model_id, data, admin=False
    )


async def _train_query(
    model_name: str | None = None,
    short_name: str | None = None,
    description: str | None = None,
    ttl: float | None = None,
    allowed_application_ids: ListParam = [],  # noqa: B006 - FastAPI copies defaults
    allow_all_applications: bool = False,
    tags: ListParam = [],  # noqa: B006
    execute_after_id: str | None = None,
    callback_url: str | None = None,
    model_params: str | None = None,
) -> dict[str, Any]:
    return {
        "model_name": model_name,
        "short_name": short_name,
        "description": description,
        "ttl": ttl,
        "allowed_application_ids": allowed_application_ids,
        "allow_all_applications": allow_all_applications,
        "tags": tags,
        "execute_after_id": execute_after_id,
        "callback_url": callback_url,
        "model_params": model_params,
    }


TrainQuery = Annotated[dict[str, Any], Depends(_train_query)]
OptionalTrainBody = Annotated[TrainBody | None, Body()]


@router.post("/admin/{application_id}/model/{model_module}/train/{documents_tag}")
def admin_train_model_async(
    session: SessionDep,
    scope: Annotated[Scope, allowed("document_models.train")],
    owner: ApplicationDep,
    model_module: str,
    documents_tag: str,
    query: TrainQuery,
    body: OptionalTrainBody = None,
) -> JobRead:
    data = train_request(model_module, documents_tag, body, query=query)
    return jobs.submit_train(session, scope.project, owner, data)


@router.post("/model/{model_module}/train/{documents_tag}")
def train_model_async(
    session: SessionDep,
    scope: Annotated[Scope, allowed("document_models.train")],
    model_module: str,
    documents_tag: str,
    query: TrainQuery,
    body: OptionalTrainBody = None,
) -> JobRead:
    data = train_request(model_module, documents_tag, body, query=query)
    return jobs.submit_train(session, scope.project, scope.principal.user_id, data)


@router.get("/job")
def get_jobs(
    session: SessionDep,
    scope: Annotated[Scope, allowed("jobs.list")],
    query: JobQueryDep,
) -> JSONResponse:
    return listed(jobs.listing(session, scope.principal.user_id, query))


@router.get("/job/{job_id}")
def get_job(
    session: SessionDep, scope: Annotated[Scope, allowed("jobs.get")], job_id: str
) -> JobRead:
    return jobs.get(session, scope.project, scope.principal.user_id, job_id)


@router.get("/job/{job_ids}/status")
def get_job_statuses(
    session: SessionDep, scope: Annotated[Scope, allowed("jobs.get")], job_ids: str
) -> dict[str, str]:
    return jobs.statuses(session, scope.project, scope.principal.user_id, ids(job_ids))


@router.post("/job/{job_id}/start")
def start_job(
    session: SessionDep,
    scope: Annotated[Scope, allowed("jobs.update")],
    job_id: str,
) -> JobRead:
    return jobs.start(session, scope.project, scope.principal.user_id, job_id)


@router.delete("/job/{job_id}", status_code=204)
def cancel_job(
    session: SessionDep, scope: Annotated[Scope, allowed("jobs.delete")], job_id: str
) -> Response:
    jobs.cancel(session, scope.project, scope.principal.user_id, job_id)
    return no_content()
