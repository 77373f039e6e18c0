"""Query parameters and bodies merged into the core's requests: the query wins over the body;
``model_params`` in the query is a Python literal, in a body JSON."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from modelyard.api.leia.protocol.bodies import ApplyBody, TrainBody
from modelyard.core.documents import rules
from modelyard.core.documents.schemas import ApplyRequest, ModelFields, TrainRequest
from modelyard.errors import InvalidInput


def ids(path_value: str) -> list[str]:
    """Path lists arrive comma-joined (``d1%2Cd2``)."""
    return [part.strip() for part in path_value.split(",") if part.strip()]


def first(*values: Any) -> Any:
    return next((value for value in values if value is not None), None)


def model_params(query: dict[str, Any], body_value: Any) -> dict[str, Any]:
    """The query's Python literal wins over the body's JSON; both must be an object."""
    if query.get("model_params") is not None:
        return rules.parse_model_params(query["model_params"], literal=True)
    return rules.parse_model_params(body_value, literal=False)


def apply_request(
    document_ids: str,
    body: ApplyBody | None,
    *,
    query: dict[str, Any],
) -> ApplyRequest:
    """Query parameters win over the body; ``model_params`` in the query is a Python literal,
    in the body JSON."""
    body = body or ApplyBody()
    return ApplyRequest(
        document_ids=ids(document_ids),
        tag=first(query.get("tag"), body.tag),
        format_type=first(query.get("format_type"), body.format_type),
        execute_after_id=first(query.get("execute_after_id"), body.execute_after_id),
        page_range=first(query.get("page_range"), body.page_range),
        callback_url=first(query.get("callback_url"), body.callback_url),
        callback_headers=body.callback_headers,
        model_params=model_params(query, body.model_params),
        block_processing=bool(first(query.get("block_processing"), body.block_processing, False)),
    )


def train_request(
    model_module: str, documents_tag: str, body: TrainBody | None, *, query: dict[str, Any]
) -> TrainRequest:
    """The train job's request: query parameters win over the body, as for apply."""
    body = body or TrainBody()
    fields = ModelFields(
        name=first(query.get("model_name"), body.model_name) or "",
        short_name=query.get("short_name"),
        description=query.get("description"),
        ttl=query.get("ttl"),
        tags=query.get("tags") or [],
        allowed_application_ids=query.get("allowed_application_ids") or [],
        allow_all_applications=bool(query.get("allow_all_applications")),
    )
    return TrainRequest(
        model_module=model_module,
        documents_tag=documents_tag,
        model=fields,
        execute_after_id=first(query.get("execute_after_id"), body.execute_after_id),
        callback_url=first(query.get("callback_url"), body.callback_url),
        callback_headers=body.callback_headers,
        model_params=model_params(query, body.model_params),
    )


def document_bytes(body: bytes, *, b64: bool) -> bytes:
    """The document's bytes: the raw body, or the body as base64 when ``b64`` is set."""
    if not b64:
        return body
    try:
        return base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput("body: b64 is set but the body is not base64", field="body") from None
