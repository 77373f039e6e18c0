"""The OAuth2 token endpoint the client calls before anything else (form-encoded). Open by
design (it checks its own credentials): listed in the route walk's ``OPEN_ROUTES``."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Depends, Header, Request

from modelyard.api.alchemite.auth import issue_tokens
from modelyard.api.deps import SessionDep

router = APIRouter()


async def form_of(request: Request) -> dict[str, str]:
    """The form fields, decoded the standard way (a Basic header is never decoded so)."""
    body = (await request.body()).decode("utf-8", errors="replace")
    return dict(parse_qsl(body, keep_blank_values=True))


@router.post("/auth/realms/master/protocol/openid-connect/token")
def token(
    session: SessionDep,
    form: Annotated[dict[str, str], Depends(form_of)],
    authorization: Annotated[str | None, Header()] = None,
) -> dict[str, Any]:
    return issue_tokens(session, form, authorization)
