"""``/projects/{project}/pipelines/{pipeline}/request…``: direct and batch pipeline requests."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Body, Query, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from modelyard.api.deps import ContextDep, SessionDep
from modelyard.api.openapi import INT64, REQUEST_DATA, raw_body, within
from modelyard.api.responses import no_content
from modelyard.api.routing import Router
from modelyard.api.ubiops.auth import allowed, allowed_briefly
from modelyard.api.ubiops.protocol import pipelines as wire
from modelyard.api.ubiops.routes.requests import request_data
from modelyard.api.ubiops.translate import pipelines as translate
from modelyard.core.identity.schemas import ProjectRef
from modelyard.core.pipelines import batch
from modelyard.core.pipelines.execution import (
    DEFAULT_MODEL_TIMEOUT,
    DEFAULT_PIPELINE_TIMEOUT,
    MODEL_TIMEOUT_RANGE,
    PIPELINE_TIMEOUT_RANGE,
    PipelineRunner,
)
from modelyard.core.serving.batch import PAGE_LIMIT

router = Router(prefix="/projects/{project_name}/pipelines/{pipeline_name}")


@router.post("/request", openapi_extra=raw_body(REQUEST_DATA, required=False))
async def pipelines_request(
    pipeline_name: str,
    request: Request,
    project: Annotated[ProjectRef, allowed_briefly("pipelines.requests.create")],
    context: ContextDep,
    pipeline_timeout: Annotated[
        int, Query(json_schema_extra=within(*PIPELINE_TIMEOUT_RANGE))
    ] = DEFAULT_PIPELINE_TIMEOUT,
    model_timeout: Annotated[
        int, Query(json_schema_extra=within(*MODEL_TIMEOUT_RANGE))
    ] = DEFAULT_MODEL_TIMEOUT,
) -> wire.PipelineRequestList:
    data = await request_data(request)
    runner = PipelineRunner(context.sessions, context.serving)
    result = await run_in_threadpool(
        runner.request,
        project,
        pipeline_name,
        data,
        pipeline_timeout=pipeline_timeout,
        model_timeout=model_timeout,
    )
    return translate.request_result(result)


@router.post("/request-batch")
def batch_pipeline_requests_create(
    pipeline_name: str,
    data: Annotated[Any, Body()],
    session: SessionDep,
    project: Annotated[ProjectRef, allowed("pipelines.requests.create")],
) -> list[wire.BatchPipelineRequestCreateResponse]:
    if isinstance(data, bytes):
        data = data.decode("utf-8", errors="replace")
    created = batch.create(session, project, pipeline_name, data)
    return [translate.created(r) for r in created]


@router.get("/request-batch")
def batch_pipeline_requests_list(
    pipeline_name: str,
    session: SessionDep,
    project: Annotated[ProjectRef, allowed("pipelines.requests.list")],
    status: Annotated[str | None, Query()] = None,
    success: Annotated[bool | None, Query()] = None,
    limit: Annotated[int, Query(json_schema_extra=within(*PAGE_LIMIT))] = 50,
    offset: Annotated[int, Query(json_schema_extra=within(0, INT64[1]))] = 0,
    sort: Annotated[str, Query()] = "desc",
) -> list[wire.BatchPipelineRequestListResponse]:
    found = batch.listing(
        session,
        project,
        pipeline_name,
        status=status,
        success=success,
        limit=limit,
        offset=offset,
        sort=sort,
    )
    return [translate.listed(r) for r in found]


@router.get("/request-batch/{pipeline_request_id}")
def batch_pipeline_request_get(
    pipeline_name: str,
    pipeline_request_id: str,
    session: SessionDep,
    project: Annotated[ProjectRef, allowed("pipelines.requests.get")],
) -> wire.BatchPipelineRequestResultList:
    return translate.result(batch.get(session, project, pipeline_name, pipeline_request_id))


@router.delete("/request-batch/{pipeline_request_id}", status_code=204)
def batch_pipeline_request_delete(
    pipeline_name: str,
    pipeline_request_id: str,
    session: SessionDep,
    project: Annotated[ProjectRef, allowed("pipelines.requests.delete")],
) -> Response:
    found = batch.get(session, project, pipeline_name, pipeline_request_id)
    batch.delete(session, project, pipeline_name, [found.id])
    return no_content()


@router.post("/request-batch-collect")
def batch_pipeline_requests_batch_collect(
    pipeline_name: str,
    ids: Annotated[Any, Body()],
    session: SessionDep,
    project: Annotated[ProjectRef, allowed("pipelines.requests.get")],
) -> list[wire.BatchPipelineRequestResultList]:
    return [translate.result(r) for r in batch.collect(session, project, pipeline_name, ids)]


@router.post("/request-batch-delete", status_code=201)
def batch_pipeline_requests_batch_delete(
    pipeline_name: str,
    ids: Annotated[Any, Body()],
    session: SessionDep,
    project: Annotated[ProjectRef, allowed("pipelines.requests.delete")],
) -> JSONResponse:
    deleted = batch.delete(session, project, pipeline_name, batch.parse_ids(ids))
    return JSONResponse({"success": True, "deleted": deleted}, status_code=201)
