"""Routers whose plain-``def`` routes cost one thread hop, not three.

FastAPI runs a plain route in the thread pool, then validates its answer in the thread pool
again, then ends the request's session (``SessionDep``) in a third hop: each hop is a thread
handoff that costs more than most routes' own work. A route of a ``Router`` is wrapped
into an ``async`` one that runs the original in a single hop and commits its session there,
as the route returns (a route that raises has it rolled back there instead). FastAPI then
validates the answer on the event loop, and the session's teardown finds nothing left to do.
The route's signature, dependencies and documentation are the original's.

A read route marked ``@kept`` may answer without either (``api/kept.py``).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

from anyio.to_thread import run_sync
from fastapi import APIRouter
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session

from modelyard.api.kept import is_kept, kept_or_read


class Router(APIRouter):
    """An ``APIRouter`` of ``OneHopRoute``s; every dialect's routes are made with one."""

    def __init__(self, **options: Any) -> None:
        super().__init__(route_class=OneHopRoute, **options)


class OneHopRoute(APIRoute):
    """An ``APIRoute`` whose plain endpoint runs, with its session's commit, in one hop; one
    marked ``@kept`` answers from the kept reads when it can (``api/kept.py``)."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **options: Any) -> None:
        hop = one_hop(endpoint)
        if is_kept(endpoint) and hop is not endpoint:
            hop = kept_or_read(hop, route=self)
        super().__init__(path, hop, **options)


def one_hop(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    """``endpoint`` as an async route running it in a worker thread; async ones as they are."""
    if inspect.iscoroutinefunction(endpoint):
        return endpoint

    @functools.wraps(endpoint)
    async def in_one_hop(**values: Any) -> Any:
        return await run_sync(functools.partial(_run, endpoint, values))

    return in_one_hop


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
