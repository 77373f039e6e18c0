"""Responses every dialect shares."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import Request, Response
from starlette.exceptions import HTTPException
from starlette.routing import BaseRoute, Match, Mount
from starlette.types import Scope


def no_content() -> Response:
    """204 with a Content-Type: some vendor clients crash on a response without one."""
    return Response(status_code=204, media_type="application/json")


METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


def error_headers(request: Request, exc: HTTPException) -> dict[str, str]:
    """The headers an ``HTTPException`` answer carries; a 405's ``Allow`` lists the methods of
    every route at the path (Starlette names only the first route's)."""
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        methods = _allowed(request.app.router.routes, request.scope)
        if methods:
            headers["Allow"] = ", ".join(m for m in METHODS if m in methods)
    return headers


def _allowed(routes: Sequence[BaseRoute], scope: Scope) -> set[str]:
    """The methods some route answers at the scope's path (asked of each route by method)."""
    found: set[str] = set()
    for route in routes:
        if isinstance(route, Mount):
            match, child = route.matches(scope)
            if match != Match.NONE:
                found |= _allowed(route.routes, {**scope, **child})
            continue
        for method in METHODS:
            if route.matches({**scope, "method": method})[0] == Match.FULL:
                found.add(method)
    return found
