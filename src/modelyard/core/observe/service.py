"""Logs and usage: the seed's log query, system log lines, and billing usage from metrics.

Services flush, never commit: the caller owns the transaction.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session

from modelyard.core.identity import service as identity
from modelyard.core.identity.schemas import Principal, ProjectRef
from modelyard.core.observe import repository as repo
from modelyard.core.observe import rules
from modelyard.core.observe.errors import invalid, log_not_found
from modelyard.core.observe.schemas import LogRead, LogTags, UsagePoint, UsageSeries
from modelyard.db.tables import LogRow
from modelyard.db.types import utcnow

MAX_LINE = 10_000
BILLING_METRICS = (
    ("model_version", "requests"),
    ("model_version", "compute"),
    ("model_version", "gb_seconds"),
    ("model_version", "input_volume"),
    ("model_version", "output_volume"),
    ("pipeline", "requests"),
    ("pipeline", "input_volume"),
    ("connector", "volume"),
)

# -- logs ------------------------------------------------------------------------------------


def list_logs(
    session: Session,
    project: ProjectRef,
    filters: Any,
    *,
    date: str | None = None,
    log_id: str | None = None,
    date_range: int | None = None,
    limit: int | None = None,
) -> list[LogRead]:
    """The seed's query: from ``log_id`` (that line included) or ``date`` or now, ``date_range``
    seconds forward (positive) or back, at most ``limit`` lines nearest the start, oldest first."""
    query = rules.log_query(filters, date=date, log_id=log_id, date_range=date_range, limit=limit)
    start = query.start or utcnow()
    if query.start_id is not None:
        anchor = repo.get_log(session, project.id, query.start_id)
        if anchor is None:
            raise log_not_found(log_id or "")
        start = anchor.date
    rows = repo.find_logs(
        session,
        project.id,
        query.filters,
        start=start,
        start_id=query.start_id,
        seconds=query.date_range,
        limit=query.limit,
    )
    ordered = sorted(rows, key=lambda row: (row.date, row.id))
    return [LogRead.model_validate(row) for row in ordered]


def system_log(
    session: Session,
    project_id: uuid.UUID,
    line: str,
    *,
    tags: LogTags | None = None,
    level: str = "info",
) -> None:
    """A log line written by modelyard itself (builds, failures), tagged with what it is about."""
    values = (tags or LogTags()).model_dump()
    row = LogRow(project_id=project_id, log=line[:MAX_LINE] or " ", level=level, system=True)
    for name, value in values.items():
        setattr(row, name, value)
    repo.add_log(session, row)


# -- usage -----------------------------------------------------------------------------------


def _series(
    session: Session,
    scope: ColumnElement[bool],
    periods: list[tuple[datetime, datetime]],
    interval: str,
) -> list[UsageSeries]:
    """Every billing metric over ``periods``, zero where nothing was recorded."""
    result = []
    for object_type, metric in BILLING_METRICS:
        totals: dict[datetime, float] = defaultdict(float)
        minutes = repo.sum_metric(
            session,
            scope=scope,
            metric=metric,
            start=periods[0][0],
            end=periods[-1][1],
            object_type=object_type,
        )
        for bucket, value in minutes:
            totals[rules.floor_to(bucket, interval)] += value
        points = [UsagePoint(start=begin, value=totals.get(begin, 0.0)) for begin, _ in periods]
        result.append(UsageSeries(object_type=object_type, metric=metric, usage=points))
    return result


def _months_from(start_month: str | None, now: datetime) -> list[tuple[datetime, datetime]]:
    """From ``start_month`` (``YYYY-MM``; default: a year ago) up to the current month."""
    current = rules.floor_to(now, "month")
    if start_month is None:
        start = current.replace(year=current.year - 1)
        start = rules.next_start(start, "month")
    else:
        start = rules.parse_month(start_month, field="start_month")
    if start > current:
        raise invalid("start_month", "must not be in the future")
    return rules.intervals(start, rules.next_start(current, "month"), "month")


def project_usage(
    session: Session, project: ProjectRef, *, start_month: str | None = None
) -> list[UsageSeries]:
    """The project's billing metrics per month."""
    periods = _months_from(start_month, datetime.now(UTC))
    return _series(session, repo.project_scope(project.id), periods, "month")


def _organization_id(session: Session, principal: Principal, name: str) -> uuid.UUID:
    """The organization, if the principal belongs to it (404 otherwise)."""
    return identity.get_organization(session, principal, name).id


def organization_usage(
    session: Session, principal: Principal, organization_name: str, *, start_month: str | None
) -> list[UsageSeries]:
    """The organization's billing metrics per month, over all its projects."""
    organization_id = _organization_id(session, principal, organization_name)
    periods = _months_from(start_month, datetime.now(UTC))
    return _series(session, repo.organization_scope(organization_id), periods, "month")


def organization_usage_details(
    session: Session, principal: Principal, organization_name: str, *, month: str | None
) -> list[UsageSeries]:
    """The organization's billing metrics per day of ``month`` (default: this month)."""
    organization_id = _organization_id(session, principal, organization_name)
    start = (
        rules.parse_month(month, field="month")
        if month is not None
        else rules.floor_to(datetime.now(UTC), "month")
    )
    periods = rules.intervals(start, rules.next_start(start, "month"), "day")
    return _series(session, repo.organization_scope(organization_id), periods, "day")
