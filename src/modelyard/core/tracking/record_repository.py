"""All SQL of records: one joined select for the record shape, and the batched reads that
stream any number of records in constant memory.

PostgreSQL streams one query through a server-side cursor (``stream_results``), fetching a
batch at a time. SQLite pages by key instead (``(timestamp, id) > last``), one short read per
batch on the ``(model_id, timestamp, id)`` index, so a long download never pins a snapshot.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from functools import cache
from typing import Any

from sqlalchemy import (
    Row,
    Select,
    Table,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from modelyard.core.tracking.schemas import RecordRead
from modelyard.db.tables.tracking import (
    ExperimentRow,
    RecordRow,
    SeasonRow,
    SiteRow,
    TrackedDatasetRow,
    TrackedModelRow,
)


def cast_table(table: object) -> Table:
    assert isinstance(table, Table)
    return table


RECORDS = cast_table(RecordRow.__table__)
"""The records table, for Core statements that need no ORM objects."""


@cache
def record_select() -> Select[Any]:
    """Every field of the record shape, names joined from their rows (built once: statements
    are immutable, and building one costs more than running it)."""
    return (
        select(
            RecordRow.id,
            RecordRow.timestamp,
            RecordRow.collection_date,
            RecordRow.dataset_id,
            TrackedDatasetRow.dataset_name,
            RecordRow.model_id,
            TrackedModelRow.model_name,
            RecordRow.model_data,
            RecordRow.experiment_id,
            ExperimentRow.experiment_name,
            RecordRow.season_id,
            SeasonRow.season_name,
            RecordRow.site_id,
            SiteRow.site_name,
            RecordRow.record_file,
            RecordRow.record_info,
        )
        .join(TrackedModelRow, TrackedModelRow.id == RecordRow.model_id)
        .join(TrackedDatasetRow, TrackedDatasetRow.id == RecordRow.dataset_id)
        .outerjoin(ExperimentRow, ExperimentRow.id == RecordRow.experiment_id)
        .outerjoin(SeasonRow, SeasonRow.id == RecordRow.season_id)
        .outerjoin(SiteRow, SiteRow.id == RecordRow.site_id)
    )


def to_read(row: Row[Any]) -> RecordRead:
    """Rows come from our own select, so the schema is built without validating again."""
    return RecordRead.model_construct(**row._asdict())


def get_record_row(
    session: Session, project_id: uuid.UUID, record_id: uuid.UUID
) -> RecordRow | None:
    row = session.get(RecordRow, record_id)
    if row is None:
        return None
    model = session.get(TrackedModelRow, row.model_id)
    return row if model is not None and model.project_id == project_id else None


def read_record(session: Session, record_id: uuid.UUID) -> RecordRead | None:
    row = session.execute(record_select().where(RecordRow.id == record_id)).first()
    return None if row is None else to_read(row)


def has_natural_key(session: Session, model_id: uuid.UUID, key: str) -> bool:
    found = session.scalar(
        select(RecordRow.id).where(RecordRow.model_id == model_id, RecordRow.natural_key == key)
    )
    return found is not None


KEYS_PER_QUERY = 5000
"""Natural keys looked up per ``IN`` list: well under SQLite's 32,766 bound parameters."""


def taken_keys(session: Session, model_id: uuid.UUID, keys: Sequence[str]) -> set[str]:
    """Which of ``keys`` the model's records hold already."""
    taken: set[str] = set()
    for first in range(0, len(keys), KEYS_PER_QUERY):
        part = keys[first : first + KEYS_PER_QUERY]
        taken.update(
            session.scalars(
                select(RecordRow.natural_key).where(
                    RecordRow.model_id == model_id, RecordRow.natural_key.in_(part)
                )
            )
        )
    return taken


def insert_unique(session: Session, rows: Sequence[dict[str, Any]]) -> bool:
    """Insert prepared record rows in a savepoint, in multi-row statements; False (and nothing
    inserted) when a key is taken, by a concurrent add say, leaving the transaction usable."""
    try:
        with session.begin_nested():
            session.execute(insert(RECORDS), list(rows))
    except IntegrityError:
        return False
    return True


def hold_model(session: Session, model_id: uuid.UUID) -> None:
    """Write-lock the model's row (a no-op update) for the rest of the transaction: bulk adds
    to one model take turns, each seeing the keys of the one before; and on SQLite the
    transaction truly begins here, before the savepoints that follow (the driver opens one
    only at a write, and a savepoint opened outside one would commit on release)."""
    table = cast_table(TrackedModelRow.__table__)
    session.execute(
        update(table).where(table.c.id == model_id).values(updated_at=table.c.updated_at)
    )
