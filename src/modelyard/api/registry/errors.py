"""The registry's error bodies, as the Litestar framework server renders them.

- A bad request (a body or parameter that fails validation, or a rule a service enforces as
  ``InvalidInput``) gets Litestar's validation body:
  ``{"status_code": 400, "detail": …, "extra": [{"message", "key", "source"}]}``.
- Every other handler error is the framework's ``{"error", "error_description"}``.
- Routing errors (unknown path, wrong method) keep Litestar's ``{"status_code", "detail"}``.
"""

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
from modelyard.errors import DomainError, InvalidInput

LOCATIONS = ("body", "query", "path", "header", "cookie")


class ValidationExtra(BaseModel):
    message: str
    key: str
    source: str


class InvalidRequest(BaseModel):
    """A bad request, as Litestar answers it."""

    status_code: int
    detail: str
    extra: list[ValidationExtra]


class RoutingError(BaseModel):
    """An unknown path, a wrong method or a body over the limit, as Litestar answers them."""

    status_code: int
    detail: str


class FrameworkError(BaseModel):
    """Every other error: the framework's ``{error, error_description}``."""

    error: str
    error_description: str


BODIES = ErrorBodies(
    FrameworkError,
    {
        400: (InvalidRequest, RoutingError),  # a field's rule, or a body the edge refused
        404: (FrameworkError, RoutingError),  # an unknown object, or an unknown path
        405: (RoutingError,),
        413: (RoutingError,),
    },
    challenge="Bearer",
    empty_is_missing=True,
)


def validation_body(detail: str, extra: list[dict[str, str]]) -> JSONResponse:
    return JSONResponse({"status_code": 400, "detail": detail, "extra": extra}, status_code=400)


UNION_MEMBERS = frozenset(
    {"date", "datetime", "str", "dict[str,any]", "function-before[_object()]"}
)


def _key_of(location: tuple[Any, ...] | list[Any]) -> tuple[str, str]:
    """The field name and where it came from, as Litestar names them (without the member
    types pydantic appends for a union such as ``date | datetime``)."""
    source = str(location[0]) if location and location[0] in LOCATIONS else "body"
    parts = [str(part) for part in location if part not in LOCATIONS]
    while len(parts) > 1 and parts[-1].lower().replace(" ", "") in UNION_MEMBERS:
        parts.pop()
    return (".".join(parts) or source), source


async def _validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    extra: list[dict[str, str]] = []
    for error in exc.errors():
        key, source = _key_of(error.get("loc", ()))
        if error.get("type") == "json_invalid":  # the location is a character offset
            key = "body"
        message = str(error.get("msg", "is invalid")).removeprefix("Value error, ")
        if any(item["key"] == key for item in extra):  # one entry per field
            continue
        extra.append({"message": message, "key": key, "source": source})
    return validation_body(f"Validation failed for {request.method} {request.url.path}", extra)


async def _domain(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    if isinstance(exc, InvalidInput):
        key = exc.field or "body"
        return validation_body(
            exc.message, [{"message": exc.message, "key": key, "source": "body"}]
        )
    status = status_for(exc)
    head = exc.message.partition(":")[0]
    description = exc.message if not exc.field else f"{exc.message} (field: {exc.field})"
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(
        {"error": head, "error_description": description}, status_code=status, headers=headers
    )


async def _http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    return JSONResponse(
        {"status_code": exc.status_code, "detail": str(exc.detail)},
        status_code=exc.status_code,
        headers=error_headers(request, exc),
    )


RENDERERS = Renderers(_domain, _validation, _http)
