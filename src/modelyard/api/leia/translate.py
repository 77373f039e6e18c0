"""Pure translation between the wire and the core: lists with ``Content-Range``, query
parameters and bodies merged into the core's requests."""

from __future__ import annotations

from typing import Any

from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse

from modelyard.api.leia.protocol import ApplyBody
from modelyard.core.documents import rules
from modelyard.core.documents.schemas import ApplyRequest, Page


def listed(page: Page) -> JSONResponse:
    """A page with ``Content-Range: first-last/total`` (``*/total`` when empty), which the SDK's
    pagers read to know when they have everything."""
    count = len(page.items)
    span = f"{page.offset}-{page.offset + count - 1}" if count else "*"
    return JSONResponse(
        jsonable_encoder(page.items), headers={"Content-Range": f"{span}/{page.total}"}
    )


def ids(path_value: str) -> list[str]:
    """Path lists arrive comma-joined (``d1%2Cd2``)."""
    return [part.strip() for part in path_value.split(",") if part.strip()]


def first(*values: Any) -> Any:
    return next((value for value in values if value is not None), None)


def apply_request(
    document_ids: str,
    body: ApplyBody | None,
    *,
    query: dict[str, Any],
) -> ApplyRequest:
    """Query parameters win over the body; ``model_params`` in the query is a Python literal,
    in the body JSON."""
    body = body or ApplyBody()
    params = (
        rules.parse_model_params(query["model_params"], literal=True)
        if query.get("model_params") is not None
        else body.model_params
    )
    return ApplyRequest(
        document_ids=ids(document_ids),
        tag=first(query.get("tag"), body.tag),
        format_type=first(query.get("format_type"), body.format_type),
        execute_after_id=first(query.get("execute_after_id"), body.execute_after_id),
        page_range=first(query.get("page_range"), body.page_range),
        callback_url=first(query.get("callback_url"), body.callback_url),
        callback_headers=body.callback_headers,
        model_params=params,
        block_processing=bool(first(query.get("block_processing"), body.block_processing, False)),
    )
