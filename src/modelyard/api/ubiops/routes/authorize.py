"""``POST /authorize``: sign in with an email and password (what the ubiops-cli posts), for a
session token that then works as ``Authorization: Bearer <token>``. Open to all; failed
attempts are limited per email and per client address (``core/identity/throttle.py``)."""

from __future__ import annotations

from datetime import timedelta

from fastapi import Request

from modelyard.api.deps import SessionDep, SettingsDep
from modelyard.api.openapi import answers
from modelyard.api.routing import Router
from modelyard.api.ubiops.auth import SignInThrottleDep, public
from modelyard.api.ubiops.protocol import identity as wire
from modelyard.api.ubiops.translate import identity as translate
from modelyard.core.identity import passwords

router = Router()

SESSION = "ubiops sign-in"


@router.post("/authorize", dependencies=[public()], responses=answers(401, 429))
def authorize(
    body: wire.AuthorizeCreate,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    throttle: SignInThrottleDep,
) -> wire.AuthorizeDetail:
    attempt = translate.sign_in(body, request.client.host if request.client else None)
    lifetime = timedelta(seconds=settings.signin_session_seconds)
    issued = passwords.sign_in(session, throttle, attempt, lifetime=lifetime, description=SESSION)
    return translate.access(issued)
