"""All SQL of records: one joined select for the record shape, and the batched reads that
stream any number of records in constant memory.

PostgreSQL streams one query through a server-side cursor (``stream_results``), fetching a
batch at a time. SQLite pages by key instead (``(timestamp, id) > last``), one short read per
batch on the ``(model_id, timestamp, id)`` index, so a long download never pins a snapshot.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from functools import cache
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    Row,
    Select,
    String,
    Table,
    cast,
    func,
    insert,
    literal,
    select,
    tuple_,
    type_coerce,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from modelyard.core.tracking.schemas import RecordLine, RecordQuery, RecordRead
from modelyard.db.tables.tracking import (
    ExperimentRow,
    RecordRow,
    SeasonRow,
    SiteRow,
    TrackedDatasetRow,
    TrackedModelRow,
)

BATCH = 2000


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


def insert_many(connection: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Bulk insert of prepared record rows (benchmarks and imports), in one executemany."""
    connection.execute(insert(RecordRow), list(rows))


@cache
def _line_select(dialect: str) -> Select[Any]:
    """The record shape as text, each backend spelling its own conversions."""
    postgres = dialect == "postgresql"

    def text(column: Any) -> Any:
        return cast(column, String) if postgres else type_coerce(column, String)

    moment: Any
    if postgres:
        moment = func.to_char(
            func.timezone("UTC", RecordRow.timestamp), 'YYYY-MM-DD"T"HH24:MI:SS.US'
        )
    else:
        moment = type_coerce(RecordRow.timestamp, String)
    return record_select().with_only_columns(
        text(RecordRow.id),
        moment,
        text(RecordRow.collection_date),
        text(RecordRow.dataset_id),
        TrackedDatasetRow.dataset_name,
        text(RecordRow.model_id),
        TrackedModelRow.model_name,
        text(RecordRow.model_data),
        text(RecordRow.experiment_id),
        ExperimentRow.experiment_name,
        text(RecordRow.season_id),
        SeasonRow.season_name,
        text(RecordRow.site_id),
        SiteRow.site_name,
        RecordRow.record_file,
        text(RecordRow.record_info),
        maintain_column_froms=True,
    )


def _dashed(value: str | None) -> str | None:
    """SQLite keeps UUIDs as 32 hex digits; the wire wants the dashed form."""
    if value is None or len(value) != 32:
        return value
    return f"{value[:8]}-{value[8:12]}-{value[12:16]}-{value[16:20]}-{value[20:]}"


def _iso(moment: str) -> str:
    """``2024-01-01 10:00:00.000000`` (either backend) as ``2024-01-01T10:00:00``."""
    moment = moment.replace(" ", "T", 1)
    return moment[:-7] if moment.endswith(".000000") else moment


def _sqlite_line(row: Row[Any]) -> RecordLine:
    v = tuple(row)
    return RecordLine(
        _dashed(v[0]) or "",
        _iso(v[1]),
        v[2],
        _dashed(v[3]) or "",
        v[4],
        _dashed(v[5]) or "",
        v[6],
        v[7],
        _dashed(v[8]),
        v[9],
        _dashed(v[10]),
        v[11],
        _dashed(v[12]),
        v[13],
        v[14],
        v[15],
    )


def _postgres_line(row: Row[Any]) -> RecordLine:
    v = tuple(row)
    return RecordLine(v[0], _iso(v[1]), *v[2:16])


def _filtered(model_id: uuid.UUID, query: RecordQuery, dialect: str) -> Select[Any]:
    statement = _line_select(dialect).where(RecordRow.model_id == model_id)
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
) -> Iterator[list[RecordLine]]:
    """The model's records matching ``query`` in (timestamp, id) order, a batch at a time."""
    statement = _filtered(model_id, query, engine.dialect.name)
    if engine.dialect.name == "postgresql":
        yield from _server_side(engine, statement, batch)
    else:
        yield from _keyset(engine, statement, batch)


def _server_side(engine: Engine, statement: Select[Any], batch: int) -> Iterator[list[RecordLine]]:
    ordered = statement.order_by(RecordRow.timestamp, RecordRow.id)
    with engine.connect() as connection:
        result = connection.execution_options(stream_results=True, max_row_buffer=batch).execute(
            ordered
        )
        for part in result.partitions(batch):
            yield [_postgres_line(row) for row in part]


def _keyset(engine: Engine, statement: Select[Any], batch: int) -> Iterator[list[RecordLine]]:
    last: tuple[str, str] | None = None
    stored = tuple_(type_coerce(RecordRow.timestamp, String), type_coerce(RecordRow.id, String))
    with engine.connect() as connection:
        while True:
            page = statement
            if last is not None:
                page = page.where(stored > tuple_(*(literal(v, String) for v in last)))
            rows = connection.execute(
                page.order_by(RecordRow.timestamp, RecordRow.id).limit(batch)
            ).all()
            connection.rollback()
            if not rows:
                return
            yield [_sqlite_line(row) for row in rows]
            if len(rows) < batch:
                return
            last = (rows[-1][1], rows[-1][0])  # as stored: keyset on the raw values


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
