"""Alchemite's error envelope ``{status, title, detail, type}`` (the client's ``Error``), and
OAuth2's ``{error, error_description}`` for the token endpoint."""

from __future__ import annotations

from http import HTTPStatus

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException

from modelyard.api.errors import Renderers, status_for
from modelyard.api.openapi import ErrorBodies
from modelyard.api.responses import error_headers
from modelyard.errors import DomainError


class Error(BaseModel):
    """Every Alchemite error body (the client's ``Error``) but the token endpoint's."""

    status: int
    title: str
    detail: str
    type: str


class OAuthErrorBody(BaseModel):
    """The token endpoint's refusals (RFC 6749 §5.2)."""

    error: str
    error_description: str


BODIES = ErrorBodies(Error, challenge="Bearer")


class OAuthError(Exception):
    """A refused token request, rendered as OAuth2 wants it (RFC 6749 §5.2)."""

    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(description)
        self.status, self.error, self.description = status, error, description


def envelope(status: int, detail: str) -> JSONResponse:
    title = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
    body = {"status": status, "title": title, "detail": detail, "type": "about:blank"}
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body, status_code=status, headers=headers)


async def _domain(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    return envelope(status_for(exc), exc.message)


def _where(location: tuple[object, ...] | list[object]) -> str:
    parts = [str(p) for p in location if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


async def _validation(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    first = exc.errors()[0]
    reason = str(first.get("msg", "is invalid")).removeprefix("Value error, ")
    if first.get("type") == "json_invalid":
        return envelope(400, f"The request body is not valid JSON: {reason}")
    return envelope(400, f"{_where(first.get('loc', ()))}: {reason}")


async def _http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    response = envelope(exc.status_code, str(exc.detail))
    response.headers.update(error_headers(request, exc))
    return response


async def _oauth(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, OAuthError)
    body = {"error": exc.error, "error_description": exc.description}
    headers = {"WWW-Authenticate": "Basic"} if exc.status == 401 else None
    return JSONResponse(body, status_code=exc.status, headers=headers)


RENDERERS = Renderers(_domain, _validation, _http, {OAuthError: _oauth})
