"""Translation of logs, metrics and usage."""

from __future__ import annotations

from datetime import UTC, datetime

from modelyard.api.ubiops.protocol import observe as wire
from modelyard.api.ubiops.translate import timestamp
from modelyard.core.observe.rules import render_log_id
from modelyard.core.observe.schemas import LogRead, MetricPoint, UsageSeries


def log(line: LogRead) -> wire.Logs:
    return wire.Logs(
        id=render_log_id(line.id),
        log=line.log or " ",
        date=timestamp(line.date),
        system=line.system,
        connector_name=line.connector_name or None,
        model_name=line.model_name or None,
        model_version=line.model_version or None,
        pipeline_name=line.pipeline_name or None,
        pipeline_object_name=line.pipeline_object_name or None,
        request_id=line.request_id or None,
        pipeline_request_id=line.pipeline_request_id or None,
    )


def _offset_time(value: datetime) -> str:
    """As the seed's metric examples write it: ``2019-11-13T12:00:00+00:00``."""
    return value.astimezone(UTC).isoformat()


def metric(point: MetricPoint) -> wire.Metrics:
    return wire.Metrics(
        start_time=_offset_time(point.start_time),
        end_time=_offset_time(point.end_time),
        value=point.value,
    )


def usage_per_month(series: UsageSeries) -> wire.UsagePerMonth:
    return wire.UsagePerMonth(
        object_type=series.object_type,
        metric=series.metric,
        usage=[
            wire.UsagePerMonthMetric(month=timestamp(p.start), value=p.value) for p in series.usage
        ],
    )


def usage_per_day(series: UsageSeries) -> wire.UsagePerDay:
    return wire.UsagePerDay(
        object_type=series.object_type,
        metric=series.metric,
        usage=[wire.UsagePerDayMetric(day=timestamp(p.start), value=p.value) for p in series.usage],
    )
