"""Who is signed in, and the CSRF check of every form.

The session cookie holds the caller's token: a session token issued at sign-in with a
password, or the API token pasted on the sign-in page. It is ``HttpOnly`` and
``SameSite=Lax``, and ``Secure`` when the dashboard is reached over TLS. The principal is
resolved by ``api/permissions.authenticated``, the same lookup every dialect uses.

CSRF: a random value in a second cookie (also ``HttpOnly``: the page's script reads the value
from the page, not the cookie), echoed by every form (a hidden field) and by scripted uploads
and requests (the ``X-CSRF-Token`` header); a POST whose echo does not match is refused
before anything is written (double-submit, on top of ``SameSite``).
"""

from __future__ import annotations

import hmac
import secrets
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from modelyard.api.context import AppContext
from modelyard.api.permissions import authenticated
from modelyard.core.identity.schemas import Principal
from modelyard.errors import PermissionDenied, Unauthenticated

SESSION_COOKIE = "modelyard_session"
CSRF_COOKIE = "modelyard_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


def context_of(request: Request) -> AppContext:
    context: AppContext = request.app.state.context
    return context


def token_of(request: Request) -> str | None:
    return request.cookies.get(SESSION_COOKIE) or None


async def principal_of(request: Request) -> Principal:
    """The signed-in principal; ``Unauthenticated`` (shown as the sign-in page) otherwise."""
    token = token_of(request)
    if not token:
        raise Unauthenticated("Sign in to continue")
    return await authenticated(context_of(request), token)


def csrf_token(request: Request) -> str:
    """This browser's CSRF value: from its cookie, or a new one ``remember_csrf`` will set."""
    found = request.cookies.get(CSRF_COOKIE)
    if found:
        return found
    new: str | None = getattr(request.state, "new_csrf", None)
    if new is None:
        new = secrets.token_urlsafe(32)
        request.state.new_csrf = new
    return new


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def remember_csrf(request: Request, response: Response) -> None:
    new: str | None = getattr(request.state, "new_csrf", None)
    if new is not None:
        _set(request, response, CSRF_COOKIE, new, http_only=True)


def _set(request: Request, response: Response, name: str, value: str, *, http_only: bool) -> None:
    response.set_cookie(
        name,
        value,
        httponly=http_only,
        samesite="lax",
        secure=_secure(request),
        path="/",
    )


def start_session(request: Request, response: Response, token: str) -> None:
    _set(request, response, SESSION_COOKIE, token, http_only=True)


def end_session(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/")


def _matches(expected: str | None, given: Any) -> bool:
    if not expected or not isinstance(given, str) or not given:
        return False
    return hmac.compare_digest(expected.encode(), given.encode())


def _refused() -> PermissionDenied:
    return PermissionDenied(
        "The form is stale or came from another site: reload the page and try again",
        field=CSRF_FIELD,
    )


async def checked_form(request: Request) -> FormData:
    """The posted form, once its CSRF echo matches this browser's cookie: the header of a
    scripted upload is checked before the body is read, a form's hidden field after."""
    expected = request.cookies.get(CSRF_COOKIE)
    header = request.headers.get(CSRF_HEADER)
    if header is not None and not _matches(expected, header):
        raise _refused()
    form = await request.form()
    if header is None and not _matches(expected, form.get(CSRF_FIELD)):
        raise _refused()
    return form
