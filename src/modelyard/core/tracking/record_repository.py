"""All SQL of records: one joined select for the record shape, and the batched reads that
stream any number of records in constant memory.

PostgreSQL streams one query through a server-side cursor (``stream_results``), fetching a
batch at a time. SQLite pages by key instead (``(timestamp, id) > last``), one short read per
batch on the ``(model_id, timestamp, id)`` index, so a long download never pins a snapshot.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, Row, Select, insert, select, tuple_
from sqlalchemy.orm import Session

from modelyard.core.tracking.schemas import RecordQuery, RecordRead
from modelyard.db.tables.tracking import (
    ExperimentRow,
    RecordRow,
    SeasonRow,
    SiteRow,
    TrackedDatasetRow,
    TrackedModelRow,
)

BATCH = 2000


def record_select() -> Select[Any]:
    """Every field of the record shape, names joined from their rows."""
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


def insert_many(connection: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Bulk insert of prepared record rows (benchmarks and imports), in one executemany."""
    connection.execute(insert(RecordRow), list(rows))


def _filtered(model_id: uuid.UUID, query: RecordQuery) -> Select[Any]:
    statement = record_select().where(RecordRow.model_id == model_id)
    if query.start_timestamp is not None and query.end_timestamp is not None:
        statement = statement.where(
            RecordRow.timestamp >= query.start_timestamp,
            RecordRow.timestamp <= query.end_timestamp,
        )
    if query.collection_date is not None:
        statement = statement.where(RecordRow.collection_date == query.collection_date)
    for column, names in (
        (TrackedDatasetRow.dataset_name, query.dataset_names),
        (ExperimentRow.experiment_name, query.experiment_names),
        (SeasonRow.season_name, query.season_names),
        (SiteRow.site_name, query.site_names),
    ):
        if names:
            statement = statement.where(column.in_(names))
    return statement


def stream(
    engine: Engine, model_id: uuid.UUID, query: RecordQuery, *, batch: int = BATCH
) -> Iterator[list[RecordRead]]:
    """The model's records matching ``query`` in (timestamp, id) order, a batch at a time."""
    statement = _filtered(model_id, query)
    if engine.dialect.name == "postgresql":
        yield from _server_side(engine, statement, batch)
    else:
        yield from _keyset(engine, statement, batch)


def _server_side(engine: Engine, statement: Select[Any], batch: int) -> Iterator[list[RecordRead]]:
    ordered = statement.order_by(RecordRow.timestamp, RecordRow.id)
    with engine.connect() as connection:
        result = connection.execution_options(stream_results=True, max_row_buffer=batch).execute(
            ordered
        )
        for part in result.partitions(batch):
            yield [to_read(row) for row in part]


def _keyset(engine: Engine, statement: Select[Any], batch: int) -> Iterator[list[RecordRead]]:
    last: tuple[datetime, uuid.UUID] | None = None
    with engine.connect() as connection:
        while True:
            page = statement
            if last is not None:
                page = page.where(tuple_(RecordRow.timestamp, RecordRow.id) > last)
            rows = connection.execute(
                page.order_by(RecordRow.timestamp, RecordRow.id).limit(batch)
            ).all()
            connection.rollback()
            if not rows:
                return
            yield [to_read(row) for row in rows]
            if len(rows) < batch:
                return
            last = (rows[-1].timestamp, rows[-1].id)
