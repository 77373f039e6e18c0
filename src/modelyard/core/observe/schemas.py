"""Schemas of the observe domain: log queries and lines, metric points, usage, audit entries."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict

LOG_FILTERS = (
    "model_name",
    "model_version",
    "connector_name",
    "pipeline_name",
    "pipeline_object_name",
    "request_id",
    "pipeline_request_id",
    "system",
)


class Schema(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class LogFilters(Schema):
    """Checked filters of a log query: each set one narrows the result."""

    model_name: str | None = None
    model_version: str | None = None
    connector_name: str | None = None
    pipeline_name: str | None = None
    pipeline_object_name: str | None = None
    request_id: str | None = None
    pipeline_request_id: str | None = None
    system: bool | None = None


class LogQuery(Schema):
    """A log query as the seed defines it, checked (see ``rules.log_query``)."""

    filters: LogFilters
    start: datetime | None
    start_id: int | None
    date_range: int
    limit: int


class LogRead(Schema):
    id: int
    date: datetime
    log: str
    system: bool
    model_name: str | None
    model_version: str | None
    connector_name: str | None
    pipeline_name: str | None
    pipeline_object_name: str | None
    request_id: str | None
    pipeline_request_id: str | None


class LogTags(Schema):
    """What a system log line is about (all optional)."""

    model_name: str | None = None
    model_version: str | None = None
    connector_name: str | None = None
    pipeline_name: str | None = None
    pipeline_object_name: str | None = None
    request_id: str | None = None
    pipeline_request_id: str | None = None


class MetricPoint(Schema):
    start_time: datetime
    end_time: datetime
    value: float


class UsagePoint(Schema):
    start: datetime
    value: float


class UsageSeries(Schema):
    """One billing metric of one object type over consecutive periods."""

    object_type: str
    metric: str
    usage: list[UsagePoint]


class AuditEntry(Schema):
    id: int
    date: datetime
    actor_id: uuid.UUID | None
    actor_email: str | None
    method: str
    path: str
    resource_type: str | None
    resource_name: str | None
    project_name: str | None
    status: int
