"""The OAuth2 token endpoint the client calls before anything else (form-encoded). Open by
design (it checks its own credentials): listed in the route walk's ``OPEN_ROUTES``."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import parse_qsl

from fastapi import Depends, Header, Request
from pydantic import BaseModel

from modelyard.api.alchemite.auth import issue_tokens
from modelyard.api.alchemite.errors import OAuthErrorBody
from modelyard.api.deps import SessionDep
from modelyard.api.routing import Router

router = Router()


class TokenRequest(BaseModel):
    """The form fields each grant reads (documentation: the form is decoded by hand)."""

    grant_type: str
    username: str | None = None
    password: str | None = None
    refresh_token: str | None = None
    client_id: str | None = None
    client_secret: str | None = None


class TokenResponse(BaseModel):
    access_token: str
    token_type: str
    expires_in: int
    refresh_token: str
    refresh_expires_in: int
    scope: str


FORM = {
    "requestBody": {
        "required": True,
        "content": {
            "application/x-www-form-urlencoded": {"schema": TokenRequest.model_json_schema()}
        },
    }
}
REFUSED: dict[int | str, dict[str, Any]] = {
    400: {"model": OAuthErrorBody, "description": "An unsupported grant or a bad refresh token"},
    401: {"model": OAuthErrorBody, "description": "Wrong client credentials or password"},
}


async def form_of(request: Request) -> dict[str, str]:
    """The form fields, decoded the standard way (a Basic header is never decoded so)."""
    body = (await request.body()).decode("utf-8", errors="replace")
    return dict(parse_qsl(body, keep_blank_values=True))


@router.post(
    "/auth/realms/master/protocol/openid-connect/token",
    response_model=TokenResponse,
    responses=REFUSED,
    openapi_extra=FORM,
)
def token(
    session: SessionDep,
    form: Annotated[dict[str, str], Depends(form_of)],
    authorization: Annotated[str | None, Header()] = None,
) -> dict[str, Any]:
    return issue_tokens(session, form, authorization)
