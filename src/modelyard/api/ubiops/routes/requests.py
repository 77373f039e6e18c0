"""``…/versions/{version}/request``: a direct request, answered when the model has answered."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import Query, Request

from modelyard.api.deps import ContextDep
from modelyard.api.openapi import REQUEST_DATA, raw_body, within
from modelyard.api.routing import Router
from modelyard.api.ubiops.auth import AuthorizationDep
from modelyard.api.ubiops.protocol import models as wire
from modelyard.api.ubiops.translate import models as translate
from modelyard.api.validation import parsed_body
from modelyard.core.identity.rules import parse_authorization
from modelyard.core.serving import rules

router = Router(prefix="/projects/{project_name}/models/{model_name}/versions/{version}")


async def request_data(request: Request) -> Any:
    """The input: JSON (the client JSON-encodes plain input too), or raw text as plain input."""
    body = await request.body()
    if request.headers.get("content-type", "").startswith("text/plain"):
        return body.decode("utf-8", errors="replace")
    parsed, value = parsed_body(request)
    if parsed:  # already parsed (and checked) at the dialect's edge
        return value
    try:
        return json.loads(body) if body else None
    except ValueError as exc:
        raise rules.invalid("data", f"the request body is not valid JSON: {exc}") from exc


@router.post(
    "/request",
    openapi_extra=raw_body(REQUEST_DATA, required=False),
)
async def model_requests_create(
    project_name: str,
    model_name: str,
    version: str,
    request: Request,
    context: ContextDep,
    timeout: Annotated[int, Query(json_schema_extra=within(*rules.TIMEOUT_RANGE))] = 300,
    authorization: AuthorizationDep = None,
) -> wire.ModelRequestList:
    data = await request_data(request)
    rules.check_timeout(timeout)
    result = await context.serving.request_direct(
        parse_authorization(authorization),
        project=project_name,
        model=model_name,
        version=version,
        data=data,
        timeout=timeout,
    )
    return translate.request_result(result)
