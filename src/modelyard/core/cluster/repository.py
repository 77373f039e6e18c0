"""All SQL of the cluster: workers, placements, and the versions they may run."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import delete, select, text, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from modelyard.db.tables import ModelVersionRow, PlacementRow, WorkerRow

CONTROLLER_LOCK = 0x6D6F64656C79  # "modely": one controller per database
"""The PostgreSQL advisory lock the controlling API server holds on a connection of its own."""


def beat(
    session: Session, worker_id: uuid.UUID, *, name: str, memory_mb: int, now: datetime
) -> WorkerRow:
    row = session.get(WorkerRow, worker_id)
    if row is None:
        row = WorkerRow(id=worker_id, name=name, memory_mb=memory_mb, started_at=now)
        session.add(row)
    row.memory_mb, row.heartbeat_at = memory_mb, now
    session.flush()
    return row


def remove_worker(session: Session, worker_id: uuid.UUID) -> None:
    session.execute(delete(PlacementRow).where(PlacementRow.worker_id == worker_id))
    session.execute(delete(WorkerRow).where(WorkerRow.id == worker_id))


def workers(session: Session) -> Sequence[WorkerRow]:
    return session.scalars(select(WorkerRow).order_by(WorkerRow.started_at)).all()


def placements(session: Session) -> Sequence[PlacementRow]:
    return session.scalars(select(PlacementRow).order_by(PlacementRow.created_at)).all()


def placements_of(session: Session, worker_id: uuid.UUID) -> Sequence[PlacementRow]:
    query = select(PlacementRow).where(PlacementRow.worker_id == worker_id)
    return session.scalars(query.order_by(PlacementRow.created_at)).all()


def add_placement(
    session: Session, *, version_id: uuid.UUID, worker_id: uuid.UUID, memory_mb: int, revision: int
) -> PlacementRow:
    row = PlacementRow(
        version_id=version_id, worker_id=worker_id, memory_mb=memory_mb, revision=revision
    )
    session.add(row)
    session.flush()
    return row


def remove_placements(session: Session, ids: Iterable[uuid.UUID]) -> None:
    chosen = list(ids)
    if chosen:
        session.execute(delete(PlacementRow).where(PlacementRow.id.in_(chosen)))


def remove_workers(session: Session, ids: Iterable[uuid.UUID]) -> None:
    chosen = list(ids)
    if chosen:
        session.execute(delete(PlacementRow).where(PlacementRow.worker_id.in_(chosen)))
        session.execute(delete(WorkerRow).where(WorkerRow.id.in_(chosen)))


def mark(
    session: Session,
    placement_id: uuid.UUID,
    *,
    ready_at: datetime | None = None,
    used_at: datetime | None = None,
) -> None:
    values = {k: v for k, v in (("ready_at", ready_at), ("used_at", used_at)) if v is not None}
    if values:
        session.execute(
            update(PlacementRow).where(PlacementRow.id == placement_id).values(**values)
        )


def placement(session: Session, placement_id: uuid.UUID) -> PlacementRow | None:
    return session.get(PlacementRow, placement_id)


def runnable_versions(session: Session) -> Sequence[ModelVersionRow]:
    """Versions whose current build succeeded: the ones instances can be placed for."""
    query = select(ModelVersionRow).where(ModelVersionRow.status == "available")
    return session.scalars(query).all()


def try_controller_lock(connection: Connection) -> bool:
    """Take the controller's advisory lock on ``connection`` (held until it closes)."""
    taken = connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": CONTROLLER_LOCK})
    return bool(taken.scalar())
