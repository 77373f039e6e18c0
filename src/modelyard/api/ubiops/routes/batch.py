"""``…/versions/{version}/request-batch…``: queue, list, collect and delete batch requests."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Body, Query, Response
from fastapi.responses import JSONResponse

from modelyard.api.deps import SessionDep
from modelyard.api.openapi import INT64, within
from modelyard.api.responses import no_content
from modelyard.api.routing import Router
from modelyard.api.ubiops.auth import allowed
from modelyard.api.ubiops.protocol import batch as wire
from modelyard.api.ubiops.translate import batch as translate
from modelyard.core.identity.schemas import ProjectRef
from modelyard.core.serving import batch
from modelyard.core.serving.batch import PAGE_LIMIT

router = Router(prefix="/projects/{project_name}/models/{model_name}/versions/{version}")


@router.post("/request-batch")
def batch_model_requests_create(
    model_name: str,
    version: str,
    data: Annotated[Any, Body()],
    session: SessionDep,
    project: Annotated[ProjectRef, allowed("models.versions.requests.create")],
) -> list[wire.BatchRequestCreated]:
    if isinstance(data, bytes):
        data = data.decode("utf-8", errors="replace")
    created = batch.create(session, project, model_name, version, data)
    return [translate.created(job) for job in created]


@router.get("/request-batch")
def batch_model_requests_list(
    model_name: str,
    version: str,
    session: SessionDep,
    project: Annotated[ProjectRef, allowed("models.versions.requests.list")],
    status: Annotated[str | None, Query()] = None,
    success: Annotated[bool | None, Query()] = None,
    limit: Annotated[int, Query(json_schema_extra=within(*PAGE_LIMIT))] = 50,
    offset: Annotated[int, Query(json_schema_extra=within(0, INT64[1]))] = 0,
    sort: Annotated[str, Query()] = "desc",
) -> list[wire.BatchRequestListed]:
    found = batch.listing(
        session,
        project,
        model_name,
        version,
        status=status,
        success=success,
        limit=limit,
        offset=offset,
        sort=sort,
    )
    return [translate.listed(job) for job in found]


@router.get("/request-batch/{request_id}")
def batch_model_requests_get(
    model_name: str,
    version: str,
    request_id: str,
    session: SessionDep,
    project: Annotated[ProjectRef, allowed("models.versions.requests.get")],
) -> wire.BatchRequestResult:
    return translate.result(batch.get(session, project, model_name, version, request_id))


@router.delete("/request-batch/{request_id}", status_code=204)
def batch_model_requests_delete(
    model_name: str,
    version: str,
    request_id: str,
    session: SessionDep,
    project: Annotated[ProjectRef, allowed("models.versions.requests.delete")],
) -> Response:
    job = batch.get(session, project, model_name, version, request_id)
    batch.delete(session, project, model_name, version, [job.id])
    return no_content()


@router.post("/request-batch-collect")
def batch_model_requests_batch_collect(
    model_name: str,
    version: str,
    ids: Annotated[Any, Body()],
    session: SessionDep,
    project: Annotated[ProjectRef, allowed("models.versions.requests.get")],
) -> list[wire.BatchRequestResult]:
    found = batch.collect(session, project, model_name, version, ids)
    return [translate.result(job) for job in found]


@router.post("/request-batch-delete", status_code=201)
def batch_model_requests_batch_delete(
    model_name: str,
    version: str,
    ids: Annotated[Any, Body()],
    session: SessionDep,
    project: Annotated[ProjectRef, allowed("models.versions.requests.delete")],
) -> JSONResponse:
    deleted = batch.delete(session, project, model_name, version, batch.parse_ids(ids))
    return JSONResponse({"success": True, "deleted": deleted}, status_code=201)
