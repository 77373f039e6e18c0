"""The SQL that writes many records at once, one class per backend (the only place the two
differ): PostgreSQL takes them with ``COPY … FROM STDIN``, SQLite with one prepared
``INSERT`` run over every row by the driver. Both skip SQLAlchemy's per-value processing:
rows arrive as plain tuples in the statements' column order, already in the form each backend stores
(``RecordValues`` builds them), so a bulk add costs what the database costs. A single add
goes in the same way, as one ``INSERT … ON CONFLICT DO NOTHING`` (the uniqueness rule in the
statement itself, no savepoint around it).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any, Protocol

import psycopg
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

_dumps = json.JSONEncoder().encode
"""``json.dumps`` with its defaults (the same text), without its per-call argument checks."""


class RecordWriter(Protocol):
    def values(
        self,
        ids: Sequence[uuid.UUID | None],
        timestamp: datetime,
        collection_date: date,
        model_data: Any,
        record_info: Any,
        natural_key: str,
    ) -> tuple[Any, ...]:
        """One row in the statement's order: ``ids`` are the record's, its model's, dataset's,
        experiment's, season's and site's (``None`` when absent)."""
        ...

    def insert(self, session: Session, rows: Sequence[tuple[Any, ...]]) -> bool:
        """Insert ``rows`` in a savepoint; False (nothing inserted, the transaction usable)
        when a unique key is taken."""
        ...

    def insert_one(self, session: Session, row: tuple[Any, ...]) -> bool:
        """Insert one row in one statement, no savepoint: False (nothing inserted) when its
        model already holds its natural key. Any other broken constraint also answers False,
        and on PostgreSQL leaves the transaction to be rolled back, as the caller then does."""
        ...


class SqliteWriter:
    """Ids as 32 hex digits, times as SQLAlchemy's SQLite text, JSON as ``json.dumps``: what
    the ORM writes for the same record."""

    STATEMENT = (
        "INSERT INTO tracking_records (id, model_id, dataset_id, experiment_id, season_id,"
        " site_id, timestamp, collection_date, model_data, record_info, natural_key)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    )
    ONE = STATEMENT + " ON CONFLICT (model_id, natural_key) DO NOTHING"

    def __init__(self) -> None:
        self._hex: dict[uuid.UUID | None, str | None] = {None: None}
        """The model's and named things' ids, written once per batch rather than per row."""

    def values(
        self,
        ids: Sequence[uuid.UUID | None],
        timestamp: datetime,
        collection_date: date,
        model_data: Any,
        record_info: Any,
        natural_key: str,
    ) -> tuple[Any, ...]:
        record_id, model_id, dataset_id, experiment_id, season_id, site_id = ids
        return (
            None if record_id is None else record_id.hex,
            self._hex_of(model_id),
            self._hex_of(dataset_id),
            self._hex_of(experiment_id),
            self._hex_of(season_id),
            self._hex_of(site_id),
            timestamp.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds"),
            collection_date.isoformat(),
            _dumps(model_data),
            _dumps(record_info),
            natural_key,
        )

    def _hex_of(self, value: uuid.UUID | None) -> str | None:
        found = self._hex.get(value)
        if found is None and value is not None:
            found = self._hex[value] = value.hex
        return found

    def insert(self, session: Session, rows: Sequence[tuple[Any, ...]]) -> bool:
        try:
            with session.begin_nested():
                session.connection().exec_driver_sql(self.STATEMENT, list(rows))
        except IntegrityError:
            return False
        return True

    def insert_one(self, session: Session, row: tuple[Any, ...]) -> bool:
        return _inserted(session, self.ONE, row)


class PostgresWriter:
    """Rows streamed to ``COPY``: ids, times and dates as psycopg dumps them, JSON as text."""

    STATEMENT = (
        "COPY tracking_records (id, model_id, dataset_id, experiment_id, season_id, site_id,"
        " timestamp, collection_date, model_data, record_info, natural_key) FROM STDIN"
    )
    ONE = (
        "INSERT INTO tracking_records (id, model_id, dataset_id, experiment_id, season_id,"
        " site_id, timestamp, collection_date, model_data, record_info, natural_key)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
        " ON CONFLICT (model_id, natural_key) DO NOTHING"
    )

    def values(
        self,
        ids: Sequence[uuid.UUID | None],
        timestamp: datetime,
        collection_date: date,
        model_data: Any,
        record_info: Any,
        natural_key: str,
    ) -> tuple[Any, ...]:
        return (
            *ids,
            timestamp,
            collection_date,
            _dumps(model_data),
            _dumps(record_info),
            natural_key,
        )

    def insert(self, session: Session, rows: Sequence[tuple[Any, ...]]) -> bool:
        try:
            with session.begin_nested():
                raw = session.connection().connection.driver_connection
                assert isinstance(raw, psycopg.Connection)
                with raw.cursor() as cursor, cursor.copy(self.STATEMENT) as copy:
                    for row in rows:
                        copy.write_row(row)
        except (IntegrityError, psycopg.IntegrityError):
            return False
        return True

    def insert_one(self, session: Session, row: tuple[Any, ...]) -> bool:
        return _inserted(session, self.ONE, row)


def _inserted(session: Session, statement: str, row: tuple[Any, ...]) -> bool:
    try:
        result = session.connection().exec_driver_sql(statement, row)
    except IntegrityError:
        return False
    return result.rowcount == 1


def writer_for(session: Session) -> RecordWriter:
    postgres = session.get_bind().dialect.name == "postgresql"
    return PostgresWriter() if postgres else SqliteWriter()
