"""A live tail of the logs page: new lines matching its filters as server-sent events.

Each second it asks the seed's log query for the lines after the last one sent (the query
starts at a line id, that line included), so it reads what any server of the cluster wrote.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from modelyard.core.observe import rules, service
from modelyard.core.observe.schemas import LogRead
from modelyard.db.types import utcnow
from modelyard.web.pages.common import Scope, project_scope, read
from modelyard.web.pages.logs import DAY, filters_of
from modelyard.web.render import PAGES

POLL_SECONDS = 1.0
BATCH = 500


def event(html: str, *, last_id: str) -> bytes:
    """One SSE event: the rows' HTML (one ``data:`` line per line of it) and its id."""
    data = "".join(f"data: {line}\n" for line in html.splitlines() or [""])
    return f"id: {last_id}\n{data}\n".encode()


async def _newer(
    request: Request, scope: Scope, filters: dict[str, Any], after: str | None
) -> list[LogRead]:
    if after is None:
        start = utcnow().isoformat()
        return await read(
            request,
            lambda session: service.list_logs(
                session, scope.project, filters, date=start, date_range=DAY, limit=BATCH
            ),
        )
    lines = await read(
        request,
        lambda session: service.list_logs(
            session, scope.project, filters, log_id=after, date_range=DAY, limit=BATCH
        ),
    )
    return [line for line in lines if rules.render_log_id(line.id) != after]


async def _events(
    request: Request, scope: Scope, filters: dict[str, Any], after: str | None
) -> AsyncIterator[bytes]:
    rows = PAGES.get_template("_log_rows.html")
    yield b": tailing\n\n"
    while not await request.is_disconnected():
        lines = await _newer(request, scope, filters, after)
        if lines:
            after = rules.render_log_id(lines[-1].id)
            html = rows.render(request=request, scope=scope, lines=lines)
            yield event(html, last_id=after)
        await asyncio.sleep(POLL_SECONDS)


async def tail(request: Request) -> Response:
    scope = await project_scope(request, "logs.list")
    filters = filters_of(request)
    after = request.headers.get("last-event-id") or request.query_params.get("after") or None
    if after is not None:
        rules.parse_log_id(after)
    return StreamingResponse(
        _events(request, scope, filters, after),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
