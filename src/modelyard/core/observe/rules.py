"""Pure rules of the observe domain: log ids, log queries, metric names and time intervals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from modelyard.core.observe.errors import invalid
from modelyard.core.observe.schemas import LOG_FILTERS, LogFilters, LogQuery

DEFAULT_DATE_RANGE, MAX_DATE_RANGE = -21600, 86400
DEFAULT_LIMIT, MAX_LIMIT = 50, 500
LOG_ID_LENGTH = 24

METRICS: dict[str, tuple[str, ...]] = {
    "model_version": (
        "requests",
        "input_volume",
        "output_volume",
        "outputs",
        "compute",
        "instances",
        "gb_seconds",
        "active_time",
    ),
    "pipeline": ("requests", "input_volume", "object_requests"),
    "connector": ("requests", "volume"),
}
INTERVALS = ("minute", "hour", "day", "month")
MAX_POINTS = 10_000


def render_log_id(value: int) -> str:
    """The client insists on 24-character log ids: the row id in 24 hex digits."""
    return f"{value:0{LOG_ID_LENGTH}x}"


def parse_log_id(value: str) -> int:
    if len(value) != LOG_ID_LENGTH:
        raise invalid("id", f"must be {LOG_ID_LENGTH} characters long, not {len(value)}")
    try:
        return int(value, 16)
    except ValueError as exc:
        raise invalid("id", f"'{value}' is not a log id (24 hexadecimal digits)") from exc


def parse_datetime(value: str, *, field: str) -> datetime:
    """ISO 8601 with ``Z`` or an offset (a ``+`` decoded as a space is put back); naive is UTC."""
    text = value.strip().replace(" ", "+") if "T" in value else value.strip()
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError as exc:
        raise invalid(field, f"'{value}' is not an ISO 8601 date and time") from exc
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1"):
        return True
    if text in ("false", "0"):
        return False
    raise invalid("filters.system", f"must be true or false, not '{value}'")


def log_filters(raw: Any) -> LogFilters:
    """The seed's filters: known keys only; a version needs its model, an object its pipeline."""
    if not isinstance(raw, dict):
        raise invalid("filters", "must be an object of filters")
    unknown = sorted(set(raw) - set(LOG_FILTERS))
    if unknown:
        known = ", ".join(LOG_FILTERS)
        raise invalid(f"filters.{unknown[0]}", f"is not a log filter; use one of {known}")
    values = {key: value for key, value in raw.items() if value is not None}
    if "system" in values:
        values["system"] = _flag(values["system"])
    for key, value in values.items():
        if key != "system" and (not isinstance(value, str | int) or str(value) == ""):
            raise invalid(f"filters.{key}", "must be a non-empty string")
        if key != "system":
            values[key] = str(value)
    if "model_version" in values and "model_name" not in values:
        raise invalid("filters.model_version", "needs filters.model_name as well")
    if "pipeline_object_name" in values and "pipeline_name" not in values:
        raise invalid("filters.pipeline_object_name", "needs filters.pipeline_name as well")
    return LogFilters.model_validate(values)


def log_query(
    filters: Any,
    *,
    date: str | None,
    log_id: str | None,
    date_range: int | None,
    limit: int | None,
) -> LogQuery:
    """A checked log query: date range within ±86400 s (default -21600), limit 1 to 500."""
    span = DEFAULT_DATE_RANGE if date_range is None else date_range
    if not -MAX_DATE_RANGE <= span <= MAX_DATE_RANGE:
        raise invalid("date_range", f"must be between -{MAX_DATE_RANGE} and {MAX_DATE_RANGE}")
    count = DEFAULT_LIMIT if limit is None else limit
    if not 1 <= count <= MAX_LIMIT:
        raise invalid("limit", f"must be between 1 and {MAX_LIMIT}, not {count}")
    return LogQuery(
        filters=log_filters(filters),
        start=parse_datetime(date, field="date") if date is not None else None,
        start_id=parse_log_id(log_id) if log_id is not None else None,
        date_range=span,
        limit=count,
    )


def check_metric(metric: str, object_type: str) -> None:
    if object_type not in METRICS:
        raise invalid("object_type", f"must be one of {', '.join(METRICS)}, not '{object_type}'")
    if metric not in METRICS[object_type]:
        names = ", ".join(METRICS[object_type])
        raise invalid("metric", f"'{metric}' is not a {object_type} metric; use one of {names}")


def check_interval(interval: str) -> str:
    if interval not in INTERVALS:
        raise invalid("interval", f"must be one of {', '.join(INTERVALS)}, not '{interval}'")
    return interval


def floor_to(moment: datetime, interval: str) -> datetime:
    """The start of the interval that holds ``moment``."""
    moment = moment.astimezone(UTC)
    if interval == "minute":
        return moment.replace(second=0, microsecond=0)
    if interval == "hour":
        return moment.replace(minute=0, second=0, microsecond=0)
    if interval == "day":
        return moment.replace(hour=0, minute=0, second=0, microsecond=0)
    return moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def next_start(start: datetime, interval: str) -> datetime:
    if interval == "minute":
        return start + timedelta(minutes=1)
    if interval == "hour":
        return start + timedelta(hours=1)
    if interval == "day":
        return start + timedelta(days=1)
    year, month = (start.year + 1, 1) if start.month == 12 else (start.year, start.month + 1)
    return start.replace(year=year, month=month)


def intervals(start: datetime, end: datetime, interval: str) -> list[tuple[datetime, datetime]]:
    """Half-open: every interval that starts before ``end``, from the one holding ``start``
    (12:00 to 12:03 by minute is three values); at least one value when start equals end."""
    if end < start:
        raise invalid("end_time", "must not be before start_time")
    current = floor_to(start, interval)
    points = [(current, next_start(current, interval))]
    while points[-1][1] < end:
        current = points[-1][1]
        points.append((current, next_start(current, interval)))
        if len(points) > MAX_POINTS:
            raise invalid("interval", f"gives more than {MAX_POINTS} values; choose a larger one")
    return points


def parse_month(value: str, *, field: str) -> datetime:
    """``YYYY-MM`` as the first moment of that month, UTC."""
    try:
        return datetime.strptime(value, "%Y-%m").replace(tzinfo=UTC)
    except ValueError as exc:
        raise invalid(field, f"'{value}' is not a month formatted YYYY-MM") from exc
