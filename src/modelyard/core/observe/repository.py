"""All SQL of the observe domain."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from modelyard.core.observe.schemas import LogFilters
from modelyard.db.tables import AuditLogRow, LogRow, MetricRow, ProjectRow


def get_log(session: Session, project_id: uuid.UUID, log_id: int) -> LogRow | None:
    row = session.get(LogRow, log_id)
    return row if row is not None and row.project_id == project_id else None


def _filter_clauses(filters: LogFilters) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = []
    for name, value in filters.model_dump(exclude_none=True).items():
        column = getattr(LogRow, name)
        clauses.append(column.is_(value) if name == "system" else column == value)
    return clauses


def find_logs(
    session: Session,
    project_id: uuid.UUID,
    filters: LogFilters,
    *,
    start: datetime,
    start_id: int | None,
    seconds: int,
    limit: int,
) -> Sequence[LogRow]:
    """The ``limit`` lines nearest to the starting point, walking forward (``seconds`` > 0) or
    back in time; both ends inclusive, the starting line (``start_id``) always included."""
    end = start + timedelta(seconds=seconds)
    query = select(LogRow).where(LogRow.project_id == project_id, *_filter_clauses(filters))
    if seconds >= 0:
        query = query.where(LogRow.date <= end, _after(start, start_id))
        query = query.order_by(LogRow.date, LogRow.id)
    else:
        query = query.where(LogRow.date >= end, _before(start, start_id))
        query = query.order_by(LogRow.date.desc(), LogRow.id.desc())
    return session.scalars(query.limit(limit)).all()


def _after(start: datetime, start_id: int | None) -> ColumnElement[bool]:
    if start_id is None:
        return LogRow.date >= start
    return or_(LogRow.date > start, and_(LogRow.date == start, LogRow.id >= start_id))


def _before(start: datetime, start_id: int | None) -> ColumnElement[bool]:
    if start_id is None:
        return LogRow.date <= start
    return or_(LogRow.date < start, and_(LogRow.date == start, LogRow.id <= start_id))


def add_log(session: Session, row: LogRow) -> None:
    session.add(row)
    session.flush()


def organizations_of(session: Session, project_ids: set[uuid.UUID]) -> dict[uuid.UUID, uuid.UUID]:
    """The organization of each project that still exists."""
    query = select(ProjectRow.id, ProjectRow.organization_id).where(ProjectRow.id.in_(project_ids))
    return {project: organization for project, organization in session.execute(query).all()}


def sum_metric(
    session: Session,
    *,
    scope: ColumnElement[bool],
    metric: str,
    start: datetime,
    end: datetime,
    object_type: str | None = None,
    object_ref: str | None = None,
) -> Sequence[tuple[datetime, float]]:
    """Per-minute sums of ``metric`` in ``[start, end)`` (minute buckets, grouped by the caller)."""
    query = (
        select(MetricRow.bucket, func.sum(MetricRow.value))
        .where(scope, MetricRow.metric == metric, MetricRow.bucket >= start, MetricRow.bucket < end)
        .group_by(MetricRow.bucket)
        .order_by(MetricRow.bucket)
    )
    if object_type is not None:
        query = query.where(MetricRow.object_type == object_type)
    if object_ref is not None:
        query = query.where(_object_matches(object_ref))
    return [(bucket, float(value or 0)) for bucket, value in session.execute(query).all()]


def _object_matches(object_ref: str) -> ColumnElement[bool]:
    try:
        return MetricRow.object_id == uuid.UUID(object_ref)
    except ValueError:
        return MetricRow.object_name == object_ref


def project_scope(project_id: uuid.UUID) -> ColumnElement[bool]:
    return MetricRow.project_id == project_id


def organization_scope(organization_id: uuid.UUID) -> ColumnElement[bool]:
    return MetricRow.organization_id == organization_id


def list_audit(
    session: Session,
    *,
    project_name: str | None,
    actor_email: str | None,
    since: datetime | None,
    limit: int,
) -> Sequence[AuditLogRow]:
    query: Any = select(AuditLogRow).order_by(AuditLogRow.date.desc(), AuditLogRow.id.desc())
    if project_name is not None:
        query = query.where(AuditLogRow.project_name == project_name)
    if actor_email is not None:
        query = query.where(AuditLogRow.actor_email == actor_email)
    if since is not None:
        query = query.where(AuditLogRow.date >= since)
    return session.scalars(query.limit(limit)).all()
