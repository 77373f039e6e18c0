"""Leia's error envelope ``{"status", "message", "field"}``. The SDK raises ``ApiException``
with the status and this body as text; its session helper logs in again on any 401, so every
authentication failure is a 401 (never a 403)."""

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
from modelyard.errors import DomainError


class Error(BaseModel):
    """Every Leia error body (the shape ``envelope`` writes)."""

    status: int
    message: str
    field: str | None = None


BODIES = ErrorBodies(Error)


def envelope(status: int, message: str, *, field: str | None = None) -> JSONResponse:
    body: dict[str, Any] = {"status": status, "message": message}
    if field:
        body["field"] = field
    return JSONResponse(body, status_code=status)


async def _domain(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    return envelope(status_for(exc), exc.message, field=exc.field)


async def _validation(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    first = exc.errors()[0]
    location = [
        str(p) for p in first.get("loc", ()) if p not in ("body", "query", "path", "header")
    ]
    field = ".".join(location) or "body"
    reason = str(first.get("msg", "is invalid")).removeprefix("Value error, ")
    if first.get("type") == "json_invalid":
        return envelope(400, f"The request body is not valid JSON: {reason}", field="body")
    if field == "token" and first.get("type") == "missing":
        return envelope(401, "token: the login token header is missing", field="token")
    return envelope(400, f"{field}: {reason}", field=field)


async def _http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    field = exc.field if isinstance(exc, InvalidValue) else None
    response = envelope(exc.status_code, str(exc.detail), field=field)
    response.headers.update(error_headers(request, exc))
    return response


RENDERERS = Renderers(_domain, _validation, _http)
