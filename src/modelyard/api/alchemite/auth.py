"""Authentication for the Alchemite dialect: the OAuth2 token endpoint and bearer tokens.

The vendor's client gets an access token from ``/auth/realms/master/protocol/openid-connect/
token`` and sends it as ``Authorization: Bearer``. Here the grants resolve to a modelyard
principal: ``client_credentials`` (HTTP Basic, client id ``modelyard``, the secret a modelyard
API token), ``password`` (a user's email and password) and ``refresh_token``. Access and
refresh tokens are session tokens of that principal (``issue_session_token``): short-lived,
revocable, in the audit log like any token. A refresh token is used once: refreshing revokes
it and issues a new pair; it does not work as a bearer token. Routes act in the principal's
home project, through ``allowed``.
"""

from __future__ import annotations

import base64
import binascii
from datetime import timedelta
from typing import Annotated, Any

from fastapi import Depends, Security
from fastapi.security import APIKeyHeader
from sqlalchemy.orm import Session

from modelyard.api.alchemite.errors import OAuthError
from modelyard.api.deps import ContextDep
from modelyard.api.permissions import authenticated, home_permission
from modelyard.core.identity import passwords, service
from modelyard.core.identity.schemas import Principal
from modelyard.errors import DomainError, Unauthenticated

CLIENT_ID = "modelyard"
ACCESS_LIFETIME = timedelta(minutes=5)
REFRESH_LIFETIME = timedelta(hours=12)
ACCESS, REFRESH = "alchemite access token", "alchemite refresh token"
REFRESH_PREFIX = "refresh."
"""Handed out before the refresh token's secret, so that, presented as a bearer token, it
matches no token and is refused: a refresh token is only good for the token endpoint."""


BEARER = APIKeyHeader(
    name="Authorization",
    scheme_name="bearer",
    description="`Bearer <access token>` from the token endpoint",
    auto_error=False,
)


async def get_principal(
    context: ContextDep, authorization: Annotated[str | None, Security(BEARER)] = None
) -> Principal:
    scheme, _, token = (authorization or "").strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("A bearer access token is required (Authorization: Bearer …)")
    return await authenticated(context, token.strip())


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def allowed(permission: str) -> Any:
    """``scope: Annotated[Scope, allowed("datasets.create")]``: the home project, once the
    bearer holds ``permission`` there."""
    return home_permission(permission, principal=get_principal)


def _basic(authorization: str | None) -> tuple[str, str] | None:
    """The client id and secret of HTTP Basic, raw: the client does not URL-encode them."""
    scheme, _, encoded = (authorization or "").strip().partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, colon, secret = decoded.partition(":")
    return (client_id, secret) if colon else None


def _client_principal(
    session: Session, form: dict[str, str], authorization: str | None
) -> Principal:
    found = _basic(authorization) or (form.get("client_id", ""), form.get("client_secret", ""))
    client_id, secret = found
    if client_id != CLIENT_ID or not secret:
        raise OAuthError(401, "invalid_client", f"client_id must be '{CLIENT_ID}' with a secret")
    try:
        return service.authenticate(session, secret)
    except DomainError:
        raise OAuthError(
            401, "invalid_client", "the client secret is not a valid modelyard API token"
        ) from None


def _password_principal(session: Session, form: dict[str, str]) -> Principal:
    principal = passwords.login(session, form.get("username", ""), form.get("password", ""))
    if principal is None:
        raise OAuthError(401, "invalid_grant", "the username or password is wrong")
    return principal


def _refresh_principal(session: Session, form: dict[str, str]) -> Principal:
    wrapped = form.get("refresh_token", "")
    if not wrapped.startswith(REFRESH_PREFIX):
        raise OAuthError(400, "invalid_grant", "that token is not a refresh token")
    token = wrapped.removeprefix(REFRESH_PREFIX)
    try:
        principal = service.authenticate(session, token)
        revoked = service.revoke_token(session, token)
    except DomainError:
        raise OAuthError(
            400, "invalid_grant", "the refresh token is unknown or has expired"
        ) from None
    if revoked.description != REFRESH:
        raise OAuthError(400, "invalid_grant", "that token is not a refresh token")
    return principal


def issue_tokens(
    session: Session, form: dict[str, str], authorization: str | None
) -> dict[str, Any]:
    """Answer a token request with a new access and refresh token, or an OAuth2 error."""
    grant = form.get("grant_type", "")
    if grant == "client_credentials":
        principal = _client_principal(session, form, authorization)
    elif grant == "password":
        principal = _password_principal(session, form)
    elif grant == "refresh_token":
        principal = _refresh_principal(session, form)
    else:
        raise OAuthError(400, "unsupported_grant_type", f"grant_type '{grant}' is not supported")
    access = service.issue_session_token(
        session, principal, lifetime=ACCESS_LIFETIME, description=ACCESS
    )
    refresh = service.issue_session_token(
        session, principal, lifetime=REFRESH_LIFETIME, description=REFRESH
    )
    return {
        "access_token": access.token,
        "token_type": "Bearer",
        "expires_in": int(ACCESS_LIFETIME.total_seconds()),
        "refresh_token": REFRESH_PREFIX + refresh.token,
        "refresh_expires_in": int(REFRESH_LIFETIME.total_seconds()),
        "scope": "",
    }
