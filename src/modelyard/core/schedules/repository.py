"""All SQL of scheduled requests.

The firing claim is one compare-and-set statement: ``UPDATE … SET next_run_at = :next WHERE
id = :id AND next_run_at = :due AND enabled RETURNING …``. Of several schedulers that saw the
same due tick, exactly one matches the row; the others find it moved and do nothing. On
PostgreSQL the losers wait on the winner's row lock and then re-check the condition; SQLite
serialises writers, which makes the statement atomic there too.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Table, bindparam, func, literal, select, update
from sqlalchemy.orm import Session, aliased

from modelyard.db.tables import ModelRow, ModelVersionRow, PipelineRow, ScheduleRow

SCHEDULES: Table = ScheduleRow.__table__  # type: ignore[assignment]


@dataclass(frozen=True)
class DueSchedule:
    """A schedule whose tick has come, as a scheduler saw it before claiming the firing."""

    id: uuid.UUID
    schedule: str
    next_run_at: datetime


@dataclass(frozen=True)
class Firing:
    """What a won claim needs to enqueue the request, read in the claiming statement."""

    schedule_id: uuid.UUID
    name: str
    project_id: uuid.UUID
    object_type: str
    version_id: uuid.UUID | None
    request_data: Any
    batch: bool
    timeout: int
    pipeline_id: uuid.UUID | None


Named = tuple[ScheduleRow, str | None, str | None]


def _named(session: Session, *conditions: ColumnElement[bool]) -> list[Named]:
    """Schedules with the current names of their targets: a model and its version, or a
    pipeline (which has no version)."""
    model, version = aliased(ModelRow), aliased(ModelVersionRow)
    query = (
        select(ScheduleRow, func.coalesce(model.name, PipelineRow.name), version.version)
        .outerjoin(model, model.id == ScheduleRow.model_id)
        .outerjoin(version, version.id == ScheduleRow.version_id)
        .outerjoin(PipelineRow, PipelineRow.id == ScheduleRow.pipeline_id)
        .where(*conditions)
        .order_by(ScheduleRow.name)
    )
    return [(row[0], row[1], row[2]) for row in session.execute(query).all()]


def get_by_name(session: Session, project_id: uuid.UUID, name: str) -> ScheduleRow | None:
    query = select(ScheduleRow).where(
        ScheduleRow.project_id == project_id, ScheduleRow.name == name
    )
    return session.scalar(query)


def get_named(session: Session, schedule_id: uuid.UUID) -> Named | None:
    found = _named(session, ScheduleRow.id == schedule_id)
    return found[0] if found else None


def list_named(session: Session, project_id: uuid.UUID) -> list[Named]:
    return _named(session, ScheduleRow.project_id == project_id)


ANY_DUE = (
    select(literal(1))
    .where(SCHEDULES.c.enabled.is_(True), SCHEDULES.c.next_run_at <= bindparam("now"))
    .limit(1)
)
"""Whether any schedule is due at ``now``: the scheduler's first look each round."""


def due(session: Session, *, now: datetime, limit: int) -> list[DueSchedule]:
    """Enabled schedules whose tick is at or before ``now``, the longest waiting first."""
    query = (
        select(ScheduleRow.id, ScheduleRow.schedule, ScheduleRow.next_run_at)
        .where(ScheduleRow.enabled.is_(True), ScheduleRow.next_run_at <= now)
        .order_by(ScheduleRow.next_run_at)
        .limit(limit)
    )
    return [DueSchedule(*row) for row in session.execute(query).all()]


def claim_firing(session: Session, item: DueSchedule, *, next_run_at: datetime) -> Firing | None:
    """Move the schedule from the tick it was due at to the next; None if another got there.

    The expression is part of the condition too: a schedule whose cron changed since it was
    read is left to the next round, which computes its next tick from the new expression.
    """
    statement = (
        update(SCHEDULES)
        .where(
            SCHEDULES.c.id == item.id,
            SCHEDULES.c.next_run_at == item.next_run_at,
            SCHEDULES.c.schedule == item.schedule,
            SCHEDULES.c.enabled.is_(True),
        )
        .values(next_run_at=next_run_at)
        .returning(
            SCHEDULES.c.id,
            SCHEDULES.c.name,
            SCHEDULES.c.project_id,
            SCHEDULES.c.object_type,
            SCHEDULES.c.version_id,
            SCHEDULES.c.request_data,
            SCHEDULES.c.batch,
            SCHEDULES.c.timeout,
            SCHEDULES.c.pipeline_id,
        )
    )
    won = session.execute(statement).first()
    return Firing(*won) if won else None
