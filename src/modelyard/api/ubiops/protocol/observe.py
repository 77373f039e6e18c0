"""Wire models of logs, metrics and usage."""

from __future__ import annotations

from typing import Any

from modelyard.api.ubiops.protocol import Wire


class LogsCreate(Wire):
    filters: dict[str, Any]
    date_range: int | None = None
    date: str | None = None
    id: str | None = None
    limit: int | None = None


class Logs(Wire):
    """Fields not set on a line are left out (the client refuses empty strings)."""

    id: str
    log: str
    date: str
    system: bool
    connector_name: str | None = None
    model_name: str | None = None
    model_version: str | None = None
    pipeline_name: str | None = None
    pipeline_object_name: str | None = None
    request_id: str | None = None
    pipeline_request_id: str | None = None


class Metrics(Wire):
    start_time: str
    end_time: str
    value: float


class UsagePerMonthMetric(Wire):
    month: str
    value: float


class UsagePerMonth(Wire):
    object_type: str
    metric: str
    usage: list[UsagePerMonthMetric]


class UsagePerDayMetric(Wire):
    day: str
    value: float


class UsagePerDay(Wire):
    object_type: str
    metric: str
    usage: list[UsagePerDayMetric]
