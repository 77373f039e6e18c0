"""The UbiOps dialect's lane for its two hottest calls: an ASGI middleware that answers them
without the framework's routing, dependency solving and answer validation.

- ``GET /v2.1/status`` (no query) is answered from ``db/health``, as the route answers it.
- A direct request is taken only when everything about it is already known and ordinary:
  ``POST /v2.1/projects/{p}/models/{m}/versions/{v}/request`` with no escaped character in the
  path, no query but ``timeout`` in range, a JSON or plain-text body under the JSON limit that
  passes the edge checks, and a token whose target this server has cached (``hotpath.known``).
  Then the lane calls the same service as the route (``Serving.request_direct``), translates
  its answer with the same function and encodes it as the framework would. Anything else (a
  first request, a refused token, a bad body, an unusual header) goes on to the routed path
  untouched, its body replayed, where the usual checks give the usual answers. Errors the
  service raises here are rendered by the UbiOps sub-application's own handlers.

Both paths answer alike (``tests/api/ubiops/test_lane.py`` compares them); the setting
``MODELYARD_DIRECT_LANE`` turns the lane off.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from modelyard.api.ubiops.routes.status import FAIL, OK
from modelyard.api.ubiops.translate import models as translate
from modelyard.api.validation import InvalidValue, check_value
from modelyard.core.identity.rules import parse_authorization
from modelyard.core.serving import hotpath, rules
from modelyard.core.serving.deployer import Serving
from modelyard.db.health import Health

STATUS = "/v2.1/status"
PATH = re.compile(r"/v2\.1/projects/([^/]+)/models/([^/]+)/versions/([^/]+)/request")
TIMEOUT = re.compile(rb"timeout=([0-9]{1,4})")
DEFAULT_TIMEOUT = 300
JSON = b"application/json"
Handlers = Mapping[Any, Any]


class Unusual(Exception):
    """Something the routed path answers better: the request goes there."""


class Lane:
    """Answers the status and cached direct requests itself; passes the rest to ``app``."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        serving: Serving,
        health: Health,
        handlers: Handlers,
        body_limit: int,
    ) -> None:
        self.app, self.serving, self.health, self.handlers = app, serving, health, handlers
        self.body_limit = body_limit
        self.taken = 0
        """How many requests the lane answered (for tests and benchmarks)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["path"] == STATUS and scope["method"] == "GET" and not scope["query_string"]:
            self.taken += 1
            answering = await self.health.answering()
            await _send_json(send, OK if answering else FAIL, status=200 if answering else 503)
            return
        taken = self._take(scope)
        if taken is None:
            await self.app(scope, receive, send)
            return
        received, body = await _read(receive, declared=taken.length)
        replay = _replaying(received, receive)
        try:
            if body is None:
                raise Unusual
            data = _data(body, taken.content_type)
        except Unusual:
            await self.app(scope, replay, send)
            return
        self.taken += 1
        await self._answer(scope, replay, send, taken, data)

    def _take(self, scope: Scope) -> _Taken | None:
        """The request's parts if the lane may take it (read from the scope, no body yet)."""
        if scope["method"] != "POST" or b"%" in scope.get("raw_path", b"%"):
            return None
        match = PATH.fullmatch(scope["path"])
        timeout = _timeout(scope.get("query_string", b""))
        if match is None or timeout is None:
            return None
        headers = _headers(scope)
        if headers is None:
            return None
        token, content_type, length = headers
        project, model, version = match.groups()
        if length > self.body_limit:
            return None
        target = hotpath.known(
            self.serving.lookups, token, project=project, model=model, version=version
        )
        if target is None:
            return None
        return _Taken(token, (project, model, version), target, timeout, content_type, length)

    async def _answer(
        self, scope: Scope, receive: Receive, send: Send, taken: _Taken, data: Any
    ) -> None:
        try:
            result = await self.serving.request_direct(
                taken.token,
                project=taken.project,
                model=taken.model,
                version=taken.version,
                data=data,
                timeout=taken.timeout,
                known=taken.target,
            )
            answer = translate.request_result(result)
        except Exception as exc:
            handler = self._handler(exc)
            if handler is None:
                raise
            response = await handler(Request(scope, receive), exc)
        else:
            await _send_json(send, answer.model_dump(mode="json", by_alias=True))
            return
        await response(scope, receive, send)

    def _handler(self, exc: Exception) -> Any:
        for kind in type(exc).__mro__:
            if kind in self.handlers:
                return self.handlers[kind]
        return None


class _Taken:
    __slots__ = (
        "content_type",
        "length",
        "model",
        "project",
        "target",
        "timeout",
        "token",
        "version",
    )

    def __init__(
        self,
        token: str,
        path: tuple[str, str, str],
        target: hotpath.Target,
        timeout: int,
        content_type: bytes,
        length: int,
    ) -> None:
        self.token, (self.project, self.model, self.version), self.target = token, path, target
        self.timeout, self.content_type, self.length = timeout, content_type, length


def _timeout(query: bytes) -> int | None:
    """The ``timeout`` asked for, if the query holds nothing else and it is in range."""
    if not query:
        return DEFAULT_TIMEOUT
    match = TIMEOUT.fullmatch(query)
    if match is None:
        return None
    value = int(match.group(1))
    low, high = rules.TIMEOUT_RANGE
    return value if low <= value <= high else None


def _headers(scope: Scope) -> tuple[str, bytes, int] | None:
    """The token, the content type and the declared length; None unless each is there once
    and plain (a body sent in chunks, without a length, takes the routed path)."""
    authorization = content_type = length = None
    for name, value in scope["headers"]:
        if name == b"authorization":
            if authorization is not None:
                return None
            authorization = value
        elif name == b"content-type":
            if content_type is not None:
                return None
            content_type = value
        elif name == b"content-length":
            if length is not None or not value.isdigit():
                return None
            length = int(value)
        elif name == b"transfer-encoding":
            return None
    if authorization is None or content_type is None or length is None:
        return None
    token = parse_authorization(authorization.decode("latin-1"))
    return (token, content_type, length) if token else None


def _data(body: bytes, content_type: bytes) -> Any:
    """The input as the route takes it: plain text, or a JSON value that passes the edge
    checks. A body the route would refuse raises ``Unusual``, so the route refuses it."""
    if content_type.startswith(b"text/plain"):
        return body.decode("utf-8", errors="replace")
    if b"json" not in content_type.lower() or not body:
        raise Unusual
    try:
        value = json.loads(body)
        check_value(value)
    except (ValueError, RecursionError, InvalidValue):
        raise Unusual from None
    return value


async def _read(receive: Receive, *, declared: int) -> tuple[list[Message], bytes | None]:
    """The messages received and the whole body; no body when it is not what was declared
    (longer, shorter, or the client gone): the routed path deals with those."""
    received: list[Message] = []
    size = 0
    while True:
        message = await receive()
        received.append(message)
        if message["type"] != "http.request":
            return received, None
        size += len(message.get("body", b""))
        if size > declared:
            return received, None
        if not message.get("more_body", False):
            break
    if size != declared:
        return received, None
    return received, b"".join(m.get("body", b"") for m in received)


_ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":"))
"""``JSONResponse``'s settings, made once (``json.dumps`` with arguments makes one a call)."""


async def _send_json(send: Send, content: Any, *, status: int = 200) -> None:
    """``content`` answered as the framework's ``JSONResponse`` answers it, byte for byte,
    without building one."""
    body = _ENCODER.encode(content).encode("utf-8")
    headers = [(b"content-length", str(len(body)).encode()), (b"content-type", JSON)]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _replaying(received: list[Message], receive: Receive) -> Receive:
    """``receive`` as if the messages already read had not been."""
    pending = list(received)

    async def replay() -> Message:
        return pending.pop(0) if pending else await receive()

    return replay
