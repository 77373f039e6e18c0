"""Lightly's error envelope ``{"code", "message"}`` with its codes; invalid input is 400."""

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
from modelyard.core.data.datasources.errors import (
    DatasetNameTaken,
    DatasetUnknown,
    DatasourceCredentialsRefused,
    DatasourceIllegal,
    DatasourceInvalid,
)
from modelyard.errors import (
    Conflict,
    DomainError,
    InvalidInput,
    NotFound,
    PermissionDenied,
    Unauthenticated,
    Unavailable,
)

CODES: tuple[tuple[type[DomainError], str], ...] = (
    (DatasetUnknown, "DATASET_UNKNOWN"),
    (DatasetNameTaken, "DATASET_NAME_EXISTS"),
    (DatasourceCredentialsRefused, "DATASET_DATASOURCE_CREDENTIALS_ERROR"),
    (DatasourceIllegal, "DATASET_DATASOURCE_ILLEGAL_ACTION"),
    (DatasourceInvalid, "DATASET_DATASOURCE_INVALID"),
    (InvalidInput, "BAD_REQUEST"),
    (Unauthenticated, "UNAUTHORIZED"),
    (PermissionDenied, "FORBIDDEN"),
    (NotFound, "NOT_FOUND"),
    (Conflict, "BAD_REQUEST"),
    (Unavailable, "SERVICE_UNAVAILABLE"),
)
"""Most specific first: the first category the error belongs to gives its code."""

STATUS_CODES = {
    400: "BAD_REQUEST",
    401: "UNAUTHORIZED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    413: "PAYLOAD_TOO_LARGE",
}


class ApiErrorResponseData(BaseModel):
    """Every Lightly error body (the client's ``ApiErrorResponseData``)."""

    code: str
    message: str


BODIES = ErrorBodies(ApiErrorResponseData)


def code_of(error: DomainError) -> str:
    return next((code for kind, code in CODES if isinstance(error, kind)), "BAD_REQUEST")


def envelope(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"code": code, "message": message}, status_code=status)


def _field_of(location: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(part) for part in location if part not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


async def _domain(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    return envelope(status_for(exc), code_of(exc), exc.message)


async def _validation(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    first = exc.errors()[0]
    field = _field_of(first.get("loc", ()))
    reason = str(first.get("msg", "is invalid")).removeprefix("Value error, ")
    if first.get("type") == "json_invalid":
        return envelope(400, "MALFORMED_REQUEST", f"The request body is not valid JSON: {reason}")
    return envelope(400, "BAD_REQUEST", f"{field}: {reason}")


async def _http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    response = envelope(
        exc.status_code, STATUS_CODES.get(exc.status_code, "BAD_REQUEST"), str(exc.detail)
    )
    response.headers.update(error_headers(request, exc))
    return response


RENDERERS = Renderers(_domain, _validation, _http)
