"""The project's logs, filtered as the seed's ``POST /logs`` is, newest lines last."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from modelyard.core.observe import service
from modelyard.core.observe.schemas import LOG_FILTERS, LogRead
from modelyard.errors import InvalidInput
from modelyard.web.pages.common import project_scope, read
from modelyard.web.render import form_outcome, render

TEXT_FILTERS = tuple(name for name in LOG_FILTERS if name != "system")
DAY = 86400


def filters_of(request: Request) -> dict[str, Any]:
    filters: dict[str, Any] = {
        name: request.query_params[name].strip()
        for name in TEXT_FILTERS
        if request.query_params.get(name, "").strip()
    }
    system = request.query_params.get("system", "")
    if system in ("true", "false"):
        filters["system"] = system == "true"
    return filters


def _whole(value: str, field: str) -> int:
    try:
        return int(value)
    except ValueError as exc:
        raise InvalidInput(f"must be a whole number, not '{value}'", field=field) from exc


async def logs_page(request: Request) -> Response:
    scope = await project_scope(request, "logs.list")
    filters = filters_of(request)
    date_range = request.query_params.get("date_range") or str(-DAY)
    limit = request.query_params.get("limit") or "200"

    async def find() -> list[LogRead]:
        span, count = _whole(date_range, "date_range"), _whole(limit, "limit")
        return await read(
            request,
            lambda session: service.list_logs(
                session, scope.project, filters, date_range=span, limit=count
            ),
        )

    lines, error = await form_outcome(find)
    template = "_logs.html" if request.headers.get("x-partial") else "logs.html"
    return render(
        request,
        template,
        status=400 if error else 200,
        title="Logs",
        scope=scope,
        lines=lines or [],
        error=error,
        filters=filters,
        names=TEXT_FILTERS,
        date_range=date_range,
        limit=limit,
    )
