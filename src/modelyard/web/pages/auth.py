"""Signing in (an email and password, or a pasted API token) and out."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from modelyard.api.permissions import authenticated
from modelyard.core.identity import passwords, service
from modelyard.core.identity.errors import TooManyAttempts
from modelyard.core.identity.schemas import Principal, SignIn
from modelyard.core.identity.throttle import SignInLimits, SignInThrottle
from modelyard.errors import InvalidInput, Unauthenticated
from modelyard.settings import Settings
from modelyard.web.pages.common import read
from modelyard.web.render import form_outcome, render
from modelyard.web.session import (
    checked_form,
    context_of,
    end_session,
    start_session,
    token_of,
)

DESCRIPTION = "dashboard sign-in"


def new_throttle(settings: Settings) -> SignInThrottle:
    """The dashboard's own count of failed sign-ins, with the API's limits."""
    return SignInThrottle(
        SignInLimits(
            failures_per_email=settings.signin_failures_per_email,
            failures_per_address=settings.signin_failures_per_address,
            window=float(settings.signin_window_seconds),
        )
    )


async def signin_page(request: Request) -> Response:
    return render(request, "signin.html", title="Sign in")


async def _token_for(request: Request, email: str, password: str, token: str) -> str:
    if token:
        await authenticated(context_of(request), token)
        return token
    if not email or not password:
        raise InvalidInput("Give an email and a password, or an API token", field="email")
    settings = context_of(request).settings
    attempt = SignIn(
        email=email, password=password, address=request.client.host if request.client else ""
    )
    lifetime = timedelta(seconds=settings.signin_session_seconds)
    issued = await read(
        request,
        lambda session: passwords.sign_in(
            session,
            request.app.state.signin_throttle,
            attempt,
            lifetime=lifetime,
            description=DESCRIPTION,
        ),
    )
    return issued.token


async def signin(request: Request) -> Response:
    form = await checked_form(request)
    email, password = str(form.get("email", "")).strip(), str(form.get("password", ""))
    token = str(form.get("token", "")).strip()
    issued, error = await form_outcome(
        lambda: _token_for(request, email, password, token), also=(Unauthenticated, TooManyAttempts)
    )
    if issued is None:
        return render(request, "signin.html", status=400, title="Sign in", error=error, email=email)
    response = RedirectResponse(f"{request.scope.get('root_path', '')}/", status_code=303)
    start_session(request, response, issued)
    return response


async def signout(request: Request) -> Response:
    await checked_form(request)
    token = token_of(request)
    if token:
        principal = await authenticated(context_of(request), token)
        await read(request, lambda session: _end_if_issued_here(session, principal))
    response = RedirectResponse(f"{request.scope.get('root_path', '')}/signin", status_code=303)
    end_session(response)
    return response


def _end_if_issued_here(session: Session, principal: Principal) -> None:
    """Revoke the session token the dashboard issued; a pasted API token stays valid."""
    for found in service.list_tokens(session, principal.email):
        if found.id == principal.token_id and found.description == DESCRIPTION:
            service.revoke_token(session, str(found.id))
