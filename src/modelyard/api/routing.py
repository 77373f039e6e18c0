"""Routers whose plain-``def`` routes cost one thread hop, not three.

FastAPI runs a plain route in the thread pool, then validates its answer in the thread pool
again, then ends the request's session (``SessionDep``) in a third hop: each hop is a thread
handoff that costs more than most routes' own work. A route of a ``Router`` is wrapped
into an ``async`` one that runs the original in a single hop and commits its session there,
as the route returns (a route that raises has it rolled back there instead). FastAPI then
validates the answer on the event loop, and the session's teardown finds nothing left to do.
The route's signature, dependencies and documentation are the original's.

A read route marked ``@kept`` answers from this server's kept reads (``db/lookups``) when it
can: the same parameters (the project, the names in the path, the query) give the answer read
before, with no thread hop and no query, until a change to a table such reads rest on. The
first read runs as any other and its answer is kept only if it wrote nothing and read only
those tables, so a mark can cost a route its speed but never serve it stale. Mark only reads
whose answer is the database's rows and the route's parameters: not one that reads files, the
clock, this server's memory (running instances) or the request itself.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Hashable
from dataclasses import fields, is_dataclass
from typing import Any, TypeVar

from anyio.to_thread import run_sync
from fastapi import APIRouter
from fastapi.routing import APIRoute
from pydantic import BaseModel
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response

from modelyard.db.lookups import Reading, reads_of

F = TypeVar("F", bound=Callable[..., Any])
KEPT = "__modelyard_kept__"


class Router(APIRouter):
    """An ``APIRouter`` of ``OneHopRoute``s; every dialect's routes are made with one."""

    def __init__(self, **options: Any) -> None:
        super().__init__(route_class=OneHopRoute, **options)


class OneHopRoute(APIRoute):
    """An ``APIRoute`` whose plain endpoint runs, with its session's commit, in one hop."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **options: Any) -> None:
        super().__init__(path, one_hop(endpoint), **options)


def kept(endpoint: F) -> F:
    """Marks a plain read route whose answer may be kept (the module's docstring says when)."""
    setattr(endpoint, KEPT, True)
    return endpoint


def one_hop(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    """``endpoint`` as an async route running it in a worker thread; async ones as they are."""
    if inspect.iscoroutinefunction(endpoint):
        return endpoint
    if getattr(endpoint, KEPT, False):
        return _kept_or_read(endpoint)

    @functools.wraps(endpoint)
    async def in_one_hop(**values: Any) -> Any:
        return await run_sync(functools.partial(_run, endpoint, values))

    return in_one_hop


def _kept_or_read(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(endpoint)
    async def kept_or_read(**values: Any) -> Any:
        session = next((v for v in values.values() if isinstance(v, Session)), None)
        reads = reads_of(session) if session is not None else None
        key = _key(endpoint, values) if reads is not None else None
        if reads is None or session is None or key is None:
            return await run_sync(functools.partial(_run, endpoint, values))
        found = reads.get(key)
        if found is not None:
            return _copy(found) if isinstance(found, Response) else found
        stamp, reading = reads.stamp(), Reading()
        reading.watch(session)
        answer = await run_sync(functools.partial(_run, endpoint, values))
        if reading.keepable and _keepable(answer):
            reads.put(key, _copy(answer) if isinstance(answer, Response) else answer, stamp)
        return answer

    return kept_or_read


def _key(endpoint: Callable[..., Any], values: dict[str, Any]) -> Hashable | None:
    """What a kept answer is found by: the route and its parameters but the session; None
    when a parameter cannot be part of a key (it is the request's own, or unhashable)."""
    parts: list[Hashable] = [endpoint]
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


def _keepable(answer: Any) -> bool:
    """Anything but a response whose body is not in memory (a stream, a file)."""
    return not isinstance(answer, Response) or isinstance(getattr(answer, "body", None), bytes)


def _copy(response: Response) -> Response:
    """A response of its own for each request (FastAPI sets a returned response's tasks)."""
    fresh = Response(response.body, status_code=response.status_code)
    fresh.raw_headers = list(response.raw_headers)
    return fresh


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


def _run(endpoint: Callable[..., Any], values: dict[str, Any]) -> Any:
    sessions = [value for value in values.values() if isinstance(value, Session)]
    try:
        answer = endpoint(**values)
        for session in sessions:
            session.commit()
    except BaseException:
        for session in sessions:
            session.rollback()
        raise
    return answer
