"""The UbiOps error envelope ``{"error": …}``, which the client shows in ``ApiException.body``."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException

from modelyard.api.errors import Renderers, status_for
from modelyard.api.openapi import ErrorBodies
from modelyard.api.responses import error_headers
from modelyard.api.validation import InvalidValue
from modelyard.core.identity.errors import TooManyAttempts
from modelyard.errors import DomainError


class Error(BaseModel):
    """Every UbiOps error body (the shape ``envelope`` writes)."""

    error: str
    field: str | None = None


BODIES = ErrorBodies(Error, challenge="Token")


def envelope(status: int, message: str, *, field: str | None = None) -> JSONResponse:
    body: dict[str, Any] = {"error": message}
    if field:
        body["field"] = field
    headers = {"WWW-Authenticate": "Token"} if status == 401 else None
    return JSONResponse(body, status_code=status, headers=headers)


def _field_of(location: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(part) for part in location if part not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


async def _domain(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    response = envelope(status_for(exc, {TooManyAttempts: 429}), exc.message, field=exc.field)
    if isinstance(exc, TooManyAttempts):
        response.headers["Retry-After"] = str(exc.retry_after)
    return response


async def _validation(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    first = exc.errors()[0]
    field = _field_of(first.get("loc", ()))
    reason = str(first.get("msg", "is invalid")).removeprefix("Value error, ")
    if first.get("type") == "json_invalid":
        return envelope(400, f"The request body is not valid JSON: {reason}", field="body")
    return envelope(400, f"{field}: {reason}", field=field)


async def _http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    field = exc.field if isinstance(exc, InvalidValue) else None
    response = envelope(exc.status_code, str(exc.detail), field=field)
    response.headers.update(error_headers(request, exc))
    return response


RENDERERS = Renderers(_domain, _validation, _http)
