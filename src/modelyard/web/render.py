"""Templates, and how the dashboard shows a domain error: the sign-in page for a caller who is
not signed in, a 404 page for what the caller may not see, the message and the field for a
form that breaks a rule (the API's own words), never a stack trace."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from modelyard.core.observe.rules import render_log_id
from modelyard.errors import (
    Conflict,
    DomainError,
    InvalidInput,
    NotFound,
    PermissionDenied,
    Unauthenticated,
    Unavailable,
)
from modelyard.web.session import CSRF_FIELD, csrf_token, remember_csrf

T = TypeVar("T")
HERE = Path(__file__).parent
PAGES = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(default=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value else "—"


PAGES.filters["when"] = _when
PAGES.filters["q"] = lambda value: quote(str(value), safe="")
PAGES.filters["log_id"] = render_log_id


def render(request: Request, template: str, *, status: int = 200, **values: Any) -> Response:
    """A page (or a partial: templates named ``_*.html``) with the CSRF value forms echo."""
    values.setdefault("principal", getattr(request.state, "principal", None))
    body = PAGES.get_template(template).render(
        request=request, csrf_field=CSRF_FIELD, csrf=csrf_token(request), **values
    )
    response = HTMLResponse(body, status_code=status)
    remember_csrf(request, response)
    return response


STATUS: tuple[tuple[type[DomainError], int, str], ...] = (
    (NotFound, 404, "Not found"),
    (PermissionDenied, 403, "Not allowed"),
    (InvalidInput, 400, "Invalid input"),
    (Conflict, 409, "Conflict"),
    (Unavailable, 503, "Unavailable"),
)


def status_of(error: DomainError) -> tuple[int, str]:
    for kind, status, title in STATUS:
        if isinstance(error, kind):
            return status, title
    return 400, "Error"


async def domain_error(request: Request, exc: Exception) -> Response:
    """Every page's domain errors, as one page (the API's message and field)."""
    assert isinstance(exc, DomainError)
    if isinstance(exc, Unauthenticated):
        return RedirectResponse(f"{request.scope.get('root_path', '')}/signin", status_code=303)
    status, title = status_of(exc)
    template = "_error.html" if request.headers.get("x-partial") else "error.html"
    return render(request, template, status=status, title=title, error=exc)


async def form_outcome(
    work: Callable[[], Awaitable[T]], *, also: tuple[type[DomainError], ...] = ()
) -> tuple[T | None, DomainError | None]:
    """The work's result, or the rule it broke to show beside the form (what the API would
    answer with 400/409, and the kinds in ``also``); anything else goes to the error page."""
    kinds: tuple[type[DomainError], ...] = (InvalidInput, Conflict, *also)
    try:
        return await work(), None
    except kinds as error:
        return None, error


async def http_error(request: Request, exc: Exception) -> Response:
    """A path the dashboard does not have (404), a body over its limit (413), ..."""
    assert isinstance(exc, HTTPException)
    status = exc.status_code
    message = f"No page at {request.url.path}" if status == 404 else str(exc.detail)
    title = "Not found" if status == 404 else "Request refused"
    template = "_error.html" if request.headers.get("x-partial") else "error.html"
    return render(request, template, status=status, title=title, error=DomainError(message))
