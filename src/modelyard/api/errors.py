"""One table from domain error category to HTTP status; dialects render their own envelopes,
each with the same four renderers (``Renderers``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException

from modelyard.api.outage import Render, install_outage_handler
from modelyard.errors import (
    Conflict,
    DomainError,
    InvalidInput,
    NotFound,
    PermissionDenied,
    Unauthenticated,
    Unavailable,
)

STATUS_BY_CATEGORY: dict[type[DomainError], int] = {
    InvalidInput: 400,
    Unauthenticated: 401,
    PermissionDenied: 403,
    NotFound: 404,
    Conflict: 409,
    Unavailable: 503,
}


def status_for(error: DomainError, overrides: dict[type[DomainError], int] | None = None) -> int:
    """The status for ``error``: a dialect's override first, then the shared table."""
    table = {**STATUS_BY_CATEGORY, **(overrides or {})}
    for category in type(error).__mro__:
        if category in table:
            return table[category]
    return 400


@dataclass(frozen=True)
class Renderers:
    """How a dialect answers each kind of error, in its own envelope."""

    domain: Render
    """Domain errors, and database outages as ``Unavailable``."""
    validation: Render
    """What FastAPI's request validation refused (a 400, never a 422)."""
    http: Render
    """The framework's own answers: unknown paths, wrong methods, bodies over the limit."""
    more: Mapping[type[Exception], Render] = field(default_factory=dict)
    """Errors only this dialect raises."""

    def install(self, app: FastAPI) -> None:
        app.add_exception_handler(DomainError, self.domain)
        install_outage_handler(app, self.domain)
        app.add_exception_handler(RequestValidationError, self.validation)
        app.add_exception_handler(HTTPException, self.http)
        for kind, render in self.more.items():
            app.add_exception_handler(kind, render)
