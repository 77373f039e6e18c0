"""Request bodies bounded (and JSON bodies checked) while they are read, before any route or
authentication reads them.

Every dialect sub-application wraps itself in ``BodyLimit``: a request is cut off with 413 as
soon as its declared ``Content-Length`` or the bytes received pass its limit, so a large body
costs at most the limit. A request's limit is the small JSON limit unless it carries a
credential (a header or ``token`` query parameter, checked by the route afterwards) and goes to
one of the dialect's upload routes (packages, blobs, datasets, documents, record files), which
stream to disk or storage. The 413 is an ``HTTPException``, so each dialect renders it in its
own envelope.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from fastapi import FastAPI
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from modelyard.api.validation import PARSED, check_json_body
from modelyard.settings import Settings

MB = 1024 * 1024
CREDENTIAL_HEADERS = (b"authorization", b"token")


class BodyTooLarge(HTTPException):
    """The body passed its limit; rendered as 413 by the dialect's handler."""

    def __init__(self, limit: int, setting: str) -> None:
        super().__init__(
            413,
            f"The request body is larger than this endpoint's limit of {limit // MB} MB "
            f"({setting})",
        )


@dataclass(frozen=True)
class Upload:
    """A route whose body may be large: a method and a pattern its path ends with."""

    method: str
    path: str

    def matches(self, method: str, path: str) -> bool:
        return method == self.method and re.search(self.path, path) is not None


@dataclass(frozen=True)
class BodyLimits:
    json_mb: int
    upload_mb: int
    uploads: tuple[Upload, ...] = ()

    def for_request(self, scope: Scope) -> tuple[int, str]:
        """The limit of this request in bytes and the setting that sets it."""
        if _has_credential(scope) and any(
            upload.matches(scope["method"], scope["path"]) for upload in self.uploads
        ):
            return self.upload_mb * MB, "MODELYARD_MAX_UPLOAD_MB"
        return self.json_mb * MB, "MODELYARD_MAX_BODY_MB"


def _has_credential(scope: Scope) -> bool:
    if any(name in CREDENTIAL_HEADERS for name, _ in scope.get("headers", ())):
        return True
    return b"token=" in scope.get("query_string", b"")


def _is_json(scope: Scope) -> bool:
    """Whether the body is JSON, the only kind checked value by value (``validation.py``)."""
    for name, value in scope.get("headers", ()):
        if name == b"content-type":
            return b"json" in value.lower()
    return False


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


class BodyLimit:
    """Pure ASGI middleware enforcing ``BodyLimits`` on the app it wraps."""

    def __init__(self, app: ASGIApp, *, limits: BodyLimits) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit, setting = self.limits.for_request(scope)
        declared = _declared_length(scope)
        received = 0
        checked = _is_json(scope) and limit == self.limits.json_mb * MB  # not a dataset's CSV
        kept: list[bytes] | None = [] if checked else None

        async def bounded() -> Message:
            nonlocal received
            if declared is not None and declared > limit:
                raise BodyTooLarge(limit, setting)
            message = await receive()
            if message["type"] == "http.request":
                chunk = message.get("body", b"")
                received += len(chunk)
                if received > limit:
                    raise BodyTooLarge(limit, setting)
                if kept is not None:
                    kept.append(chunk)
                    if not message.get("more_body", False):
                        scope[PARSED] = check_json_body(b"".join(kept))
            return message

        await self.app(scope, bounded, send)


def limit_bodies(app: FastAPI, settings: Settings, uploads: tuple[Upload, ...] = ()) -> None:
    """Bound every request body of ``app`` (a dialect) by the settings' limits."""
    limits = BodyLimits(settings.max_body_mb, settings.max_upload_mb, uploads)
    app.add_middleware(BodyLimit, limits=limits)
