"""The audit middleware: every successful create, update and delete, on every dialect.

A plain ASGI middleware on the top-level application: it watches the response status and,
after a 2xx answer to POST/PUT/PATCH/DELETE, hands method, path and the caller's token to the
``AuditRecorder`` (a queue put; the recorder resolves and writes off the request path). It
never reads the body, so nothing sent in one reaches the audit log.
"""

from __future__ import annotations

from urllib.parse import parse_qs

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from modelyard.core.identity.rules import parse_authorization
from modelyard.core.observe.audit import MUTATING, AuditRecorder


def _token(scope: Scope) -> str | None:
    """The caller's token, from ``Authorization``, a ``token`` header (Leia) or ``?token=``."""
    headers = dict(scope.get("headers", []))
    authorization = headers.get(b"authorization")
    if authorization:
        return parse_authorization(authorization.decode("latin-1"))
    token = headers.get(b"token")
    return token.decode("latin-1") if token else _query_token(scope)


def _query_token(scope: Scope) -> str | None:
    """Lightly's ``?token=``."""
    raw: bytes = scope.get("query_string", b"")
    values = parse_qs(raw.decode("latin-1")).get("token")
    return values[0] if values else None


class AuditMiddleware:
    def __init__(self, app: ASGIApp, recorder: AuditRecorder) -> None:
        self.app, self.recorder = app, recorder

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in MUTATING:
            await self.app(scope, receive, send)
            return
        status = 0

        async def watch(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        await self.app(scope, receive, watch)
        self.recorder.record(scope["method"], scope["path"], status, token=_token(scope))
