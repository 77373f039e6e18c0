"""A database outage answered as what it is: 503 in each dialect's envelope with ``Retry-After``,
logged through the server's outage filter (one line per outage, ``db/outage.py``), and nothing
to restart: the pool pings connections before use, so the first request after the database is
back succeeds."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request
from starlette.responses import Response

from modelyard.db.outage import OUTAGES
from modelyard.errors import Unavailable

logger = logging.getLogger("modelyard.outage")

RETRY_AFTER = 5

Render = Callable[[Request, Exception], Awaitable[Response]]


def install_outage_handler(app: FastAPI, render: Render) -> None:
    """Answer database outages in ``app`` with its own domain-error renderer, as 503."""

    async def handle(request: Request, exc: Exception) -> Response:
        logger.error("%s %s failed", request.method, request.url.path, exc_info=exc)
        error = Unavailable(
            "The database is unavailable; try again shortly", retry_after=RETRY_AFTER
        )
        response = await render(request, error)
        response.headers["Retry-After"] = str(error.retry_after)
        return response

    for kind in OUTAGES:
        app.add_exception_handler(kind, handle)
