"""Kept reads: a read route marked ``@kept`` answers from this server's memory when it can.

The same parameters (the project, the names in the path, the query, the caller where the route
takes it) give the answer read before, already rendered, with no thread hop, no query and no
serialisation, until a write to a table such reads rest on (``db/lookups.READ_WATCHED``): this
server forgets at that commit, others on PostgreSQL at its ``NOTIFY``, and an answer lives at
most ``MODELYARD_LOOKUP_CACHE_SECONDS`` either way. The permission dependencies run on every
request as before; only the route's own work is skipped.

The first read runs as any other, and its answer is kept only if it wrote nothing and read
only those tables (``db/lookups.Reading``), so a mark can cost a route its speed but never
serve it stale. Mark only reads whose answer is the database's rows and the route's parameters:
not one that reads files, the clock, this server's memory (running instances) or the request.

In front of everything (``KeptAnswers``, an ASGI middleware), the same again for the whole
request: a GET whose answer was kept is answered with the bytes sent before to the very same
request (path, query, every header: the credential, the host), with no routing at all. It rests
on what the route's answer rests on and on what admitted the caller, so the kept reads are also
forgotten on any change to the identity lookups (``db/lookups.WATCHED``), and such an answer
ends with the caller's credential (``note_credential``, from ``api/permissions.authenticated``).
A route whose dependencies read other tables than those cannot be marked.

The answer is rendered here as FastAPI renders a route's answer (its response model, its
response class, its status code), so that a kept answer is bytes; a route whose dependencies
set headers on FastAPI's ``Response`` cannot be marked, since a rendered answer leaves them out
(``tests/api/test_kept_reads.py`` compares each marked route's answer with FastAPI's own).
"""

from __future__ import annotations

import functools
import time
from collections.abc import Awaitable, Callable, Hashable
from contextvars import ContextVar
from dataclasses import dataclass, fields, is_dataclass
from datetime import datetime
from typing import Any, TypeVar

from fastapi.datastructures import DefaultPlaceholder
from fastapi.routing import APIRoute, serialize_response
from pydantic import BaseModel
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from modelyard.db.lookups import Lookups, Reading, reads_of

F = TypeVar("F", bound=Callable[..., Any])
KEPT = "__modelyard_kept__"
MAX_BYTES = 256 * 1024
"""The largest answer kept; a larger one is read afresh every time."""
ENTRIES = 1_000
"""Answers a server keeps at most (both layers together), so at most 256 MB in all."""


@dataclass
class _Asked:
    """What the handling of one request said of its answer, for ``KeptAnswers``."""

    kept: bool = False
    """The route's answer is a kept read's (found or just kept)."""
    ends: float | None = None
    """When (Unix time) the caller's credential stops being accepted, if it does."""


_ASKED: ContextVar[_Asked | None] = ContextVar("modelyard.kept", default=None)


def note_credential(expires_at: datetime | None) -> None:
    """The request's caller was admitted with a credential that ends at ``expires_at``."""
    asked = _ASKED.get()
    if asked is not None and expires_at is not None:
        ends = expires_at.timestamp()
        asked.ends = ends if asked.ends is None else min(asked.ends, ends)


def note_kept() -> None:
    """The request's answer is a kept read's (found, or just kept)."""
    asked = _ASKED.get()
    if asked is not None:
        asked.kept = True


@dataclass(frozen=True)
class _Answer:
    start: Message
    body: Message
    ends: float | None

    def valid(self) -> bool:
        return self.ends is None or time.time() < self.ends


class KeptAnswers:
    """Answers a GET from the kept reads when the very same request was answered by a kept
    read before and nothing it rests on changed since (the module's docstring)."""

    def __init__(self, app: ASGIApp, *, reads: Lookups | None) -> None:
        self.app, self.reads = app, reads

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        reads = self.reads
        if scope["type"] != "http" or scope["method"] != "GET" or reads is None or reads.ttl <= 0:
            await self.app(scope, receive, send)
            return
        key = ("answer", scope["path"], scope["query_string"], tuple(scope["headers"]))
        found: _Answer | None = reads.get(key)
        if found is not None and found.valid():
            await send(found.start)
            await send(found.body)
            return
        stamp, asked = reads.stamp(), _Asked()
        sent: list[Message] = []

        async def keeping(message: Message) -> None:
            if len(sent) < 3:  # a start and one body, or more than that: never a stream's all
                sent.append(message)
            await send(message)

        token = _ASKED.set(asked)
        try:
            await self.app(scope, receive, keeping)
        finally:
            _ASKED.reset(token)
        if asked.kept and len(sent) == 2 and sent[0].get("status") == 200 and _bodiless(scope):
            start, body = sent
            whole = body.get("type") == "http.response.body" and not body.get("more_body")
            if whole and len(body.get("body", b"")) <= MAX_BYTES:
                reads.put(key, _Answer(start, body, asked.ends), stamp)


def _bodiless(scope: Scope) -> bool:
    """A request that sent no body: the key (its headers) then says all it asked. Only such
    requests are kept, so one with a body never finds another's answer."""
    for name, value in scope["headers"]:
        if name == b"transfer-encoding" or (name == b"content-length" and value != b"0"):
            return False
    return True


def kept(endpoint: F) -> F:
    """Marks a plain read route whose answer may be kept (the module's docstring says when)."""
    setattr(endpoint, KEPT, True)
    return endpoint


def is_kept(endpoint: Callable[..., Any]) -> bool:
    return bool(getattr(endpoint, KEPT, False))


def kept_or_read(
    hop: Callable[..., Awaitable[Any]], *, route: APIRoute
) -> Callable[..., Awaitable[Any]]:
    """``hop`` (the route's endpoint in one thread hop), answered from the kept reads of the
    request's session when they hold its answer, else run and its rendered answer kept."""

    @functools.wraps(hop)
    async def kept_or_read(**values: Any) -> Any:
        session = next((v for v in values.values() if isinstance(v, Session)), None)
        reads = reads_of(session) if session is not None else None
        key = _key(route, values)
        if session is None or reads is None or reads.ttl <= 0 or key is None:
            return await hop(**values)
        found = reads.get(key)
        if found is not None:
            note_kept()
            return _copy(found)
        stamp, reading = reads.stamp(), Reading()
        reading.watch(session)
        answer = await hop(**values)
        rendered = answer if isinstance(answer, Response) else await _render(route, answer)
        body = getattr(rendered, "body", None)
        if reading.keepable and isinstance(body, bytes) and len(body) <= MAX_BYTES:
            reads.put(key, _copy(rendered), stamp)
            note_kept()
        return rendered

    return kept_or_read


def _key(route: APIRoute, values: dict[str, Any]) -> Hashable | None:
    """What a kept answer is found by: the route and its parameters but the session; None
    when a parameter cannot be part of a key (it is the request's own, or unhashable)."""
    parts: list[Hashable] = [id(route)]  # a route compares by its path, so is no key itself
    for name, value in sorted(values.items()):
        if isinstance(value, Session):
            continue
        if isinstance(value, Request | Response):
            return None
        parts.append((name, _hashable(value)))
    key = tuple(parts)
    try:
        hash(key)
    except TypeError:
        return None
    return key


def _hashable(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return (type(value), *(_hashable(getattr(value, f.name)) for f in fields(value)))
    if isinstance(value, BaseModel):
        return (type(value), *(_hashable(v) for v in value.__dict__.values()))
    if isinstance(value, list | tuple):
        return tuple(_hashable(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _hashable(v)) for k, v in value.items()))
    return value


async def _render(route: APIRoute, answer: Any) -> Response:
    """``answer`` as FastAPI's request handler renders a route's answer (``get_request_handler``
    in ``fastapi/routing.py``): JSON bytes straight from the response model when the route
    keeps the default response class, else the response class around the serialised value."""
    field, response_class = route.response_field, route.response_class
    as_json = field is not None and isinstance(response_class, DefaultPlaceholder)
    content = await serialize_response(
        field=field,
        response_content=answer,
        include=route.response_model_include,
        exclude=route.response_model_exclude,
        by_alias=route.response_model_by_alias,
        exclude_unset=route.response_model_exclude_unset,
        exclude_defaults=route.response_model_exclude_defaults,
        exclude_none=route.response_model_exclude_none,
        dump_json=as_json,
    )
    status = route.status_code or 200  # a response class's own default is 200 too
    if as_json:
        return Response(content=content, media_type="application/json", status_code=status)
    if isinstance(response_class, DefaultPlaceholder):
        response_class = response_class.value
    rendered: Response = response_class(content, status_code=status)
    return rendered


def _copy(response: Response) -> Response:
    """A response of its own for each request (FastAPI sets a returned response's tasks)."""
    fresh = Response(response.body, status_code=response.status_code)
    fresh.raw_headers = list(response.raw_headers)
    return fresh
