"""``…/versions/{version}/request``: a direct request, answered when the model has answered."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool

from modelyard.api.deps import ContextDep
from modelyard.api.ubiops.auth import BriefProjectDep
from modelyard.api.ubiops.protocol import models as wire
from modelyard.api.ubiops.translate import models as translate
from modelyard.core.serving import rules

router = APIRouter(prefix="/projects/{project_name}/models/{model_name}/versions/{version}")


async def request_data(request: Request) -> Any:
    """The input: JSON (the client JSON-encodes plain input too), or raw text as plain input."""
    body = await request.body()
    if request.headers.get("content-type", "").startswith("text/plain"):
        return body.decode("utf-8", errors="replace")
    try:
        return json.loads(body) if body else None
    except ValueError as exc:
        raise rules.invalid("data", f"the request body is not valid JSON: {exc}") from exc


@router.post("/request")
async def model_requests_create(
    model_name: str,
    version: str,
    request: Request,
    project: BriefProjectDep,
    context: ContextDep,
    timeout: Annotated[int, Query()] = 300,
) -> wire.ModelRequestList:
    data = await request_data(request)
    rules.check_timeout(timeout)
    result = await run_in_threadpool(
        context.serving.request, project, model_name, version, data, timeout=timeout
    )
    return translate.request_result(result)
