"""The SQL that streams any number of records in constant memory, each record already the
JSON text of the record shape (nulls left out), written by the database itself.

A stream may hold millions of records: building each line in Python (a value at a time,
escaping names, reformatting ids and times) cost more than the database's whole read, so the
select concatenates the line and the server only joins lines. Names are escaped by the
database's own JSON functions, stored JSON passes through as stored; how each backend spells
an id, a time or a JSON string is in one class per backend.

PostgreSQL streams one query through a server-side cursor (``stream_results``), fetching a
batch at a time. SQLite pages by key instead (``(timestamp, id) > last``), one short read per
batch on the ``(model_id, timestamp, id)`` index, so a long download never pins a snapshot.
"""

from __future__ import annotations

import codecs
import uuid
from collections.abc import Generator, Iterator, Sequence
from datetime import UTC, datetime
from functools import cache
from json.encoder import encode_basestring as _string
from typing import Any

import psycopg
from sqlalchemy import (
    Engine,
    Select,
    String,
    case,
    cast,
    func,
    literal,
    tuple_,
    type_coerce,
)
from sqlalchemy.sql.elements import ColumnElement

from modelyard.core.tracking.record_repository import record_select
from modelyard.core.tracking.schemas import RecordQuery
from modelyard.db.tables.tracking import (
    ExperimentRow,
    RecordRow,
    SeasonRow,
    SiteRow,
    TrackedDatasetRow,
    TrackedModelRow,
)

BATCH = 5000
Text = ColumnElement[str]


class PostgresSpelling:
    """PostgreSQL writes ids and dates as text itself; times are stored with their zone and
    written in UTC; names go through ``to_json``."""

    def id(self, column: Any) -> Text:
        return cast(column, String)

    def moment(self, column: Any) -> Text:
        utc = func.timezone("UTC", column)
        whole = func.to_char(utc, 'YYYY-MM-DD"T"HH24:MI:SS')
        fraction = func.to_char(utc, ".US")
        return whole + case((func.date_trunc("second", utc) == utc, ""), else_=fraction)

    def day(self, column: Any) -> Text:
        return cast(column, String)

    def string(self, column: Any) -> Text:
        return cast(func.to_json(column), String)

    def document(self, column: Any) -> Text:
        return func.nullif(cast(column, String), "null")


def line_of(spell: PostgresSpelling) -> Text:
    """The record shape as one JSON object: fields that are always there first, then each
    optional one only when it holds a value (``',"name":' || NULL`` is NULL, coalesced away)."""
    required: list[tuple[str, Text]] = [
        ("id", _quoted(spell.id(RecordRow.id))),
        ("timestamp", _quoted(spell.moment(RecordRow.timestamp))),
        ("collection_date", _quoted(spell.day(RecordRow.collection_date))),
        ("dataset_id", _quoted(spell.id(RecordRow.dataset_id))),
        ("dataset_name", spell.string(TrackedDatasetRow.dataset_name)),
        ("model_id", _quoted(spell.id(RecordRow.model_id))),
        ("model_name", spell.string(TrackedModelRow.model_name)),
    ]
    optional: list[tuple[str, Text]] = [
        ("model_data", spell.document(RecordRow.model_data)),
        ("experiment_id", _quoted(spell.id(RecordRow.experiment_id))),
        ("experiment_name", spell.string(ExperimentRow.experiment_name)),
        ("season_id", _quoted(spell.id(RecordRow.season_id))),
        ("season_name", spell.string(SeasonRow.season_name)),
        ("site_id", _quoted(spell.id(RecordRow.site_id))),
        ("site_name", spell.string(SiteRow.site_name)),
        ("record_file", spell.string(RecordRow.record_file)),
        ("record_info", spell.document(RecordRow.record_info)),
    ]
    text: Text = literal("{", String)
    for index, (name, value) in enumerate(required):
        text = text + literal(f'{"," if index else ""}"{name}":', String) + value
    for name, value in optional:
        text = text + func.coalesce(literal(f',"{name}":', String) + value, "")
    return text + "}"


def _quoted(text: Text) -> Text:
    """Ids, times and dates need no escaping: only the quotes around them."""
    return literal('"', String) + text + '"'


@cache
def _postgres_select() -> Select[Any]:
    """The line alone: PostgreSQL writes it."""
    line = line_of(PostgresSpelling()).label("line")
    return record_select().with_only_columns(line, maintain_column_froms=True)


@cache
def _sqlite_select() -> Select[Any]:
    """Every field as SQLite stores it (text, no conversion): Python writes the line, which on
    SQLite costs less than the database's string functions do."""
    columns: list[Any] = [type_coerce(c, String) for c in record_select().selected_columns]
    return record_select().with_only_columns(*columns, maintain_column_froms=True)


def _filtered(statement: Select[Any], model_id: uuid.UUID, query: RecordQuery) -> Select[Any]:
    statement = statement.where(RecordRow.model_id == model_id)
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
    return statement.order_by(RecordRow.timestamp, RecordRow.id)


def stream(
    engine: Engine, model_id: uuid.UUID, query: RecordQuery, *, batch: int | None = None
) -> Generator[bytes]:
    """The model's records matching ``query`` in (timestamp, id) order as JSON lines (each
    object ending in a newline), in chunks of about ``batch`` (else ``BATCH``) records."""
    batch = batch or BATCH
    if engine.dialect.name == "postgresql":
        yield from _copied(engine, _filtered(_postgres_select(), model_id, query), batch)
    else:
        yield from _keyset(engine, _filtered(_sqlite_select(), model_id, query), batch)


def _copied(engine: Engine, statement: Select[Any], batch: int) -> Iterator[bytes]:
    """``COPY (SELECT line …) TO STDOUT``: rows arrive as PostgreSQL sends them, one line
    each, escaped for COPY's text format (a backslash doubled, say), which is undone a chunk
    at a time. The parameters are bound client-side (COPY takes none), as they are, without the
    column types' processing: times are moved to UTC here, as ``UTCDateTime`` would (an offset
    PostgreSQL cannot hold, such as +16:00, would otherwise fail the statement)."""
    compiled = statement.compile(
        dialect=engine.dialect, compile_kwargs={"render_postcompile": True}
    )
    params = {
        name: value.astimezone(UTC) if isinstance(value, datetime) else value
        for name, value in compiled.params.items()
    }
    copy_sql = f"COPY ({compiled.string}) TO STDOUT"
    with engine.connect() as connection:
        raw = connection.connection.driver_connection
        assert isinstance(raw, psycopg.Connection)
        with raw.cursor() as cursor, cursor.copy(copy_sql, params) as copy:
            parts: list[bytes] = []
            for row in copy:
                parts.append(bytes(row))
                if len(parts) == batch:
                    yield _unescaped(b"".join(parts))
                    parts.clear()
            if parts:
                yield _unescaped(b"".join(parts))
        connection.rollback()


def _unescaped(chunk: bytes) -> bytes:
    """COPY's text format escapes a backslash and the control characters; JSON text holds no
    raw control characters, so only those escapes can be there."""
    if b"\\" not in chunk:
        return chunk
    decoded: bytes = codecs.escape_decode(chunk)[0]
    return decoded


def _keyset(engine: Engine, statement: Select[Any], batch: int) -> Iterator[bytes]:
    """Pages of ``batch`` after the last (timestamp, id) read, each its own short read."""
    after: tuple[str, str] | None = None
    stored = tuple_(type_coerce(RecordRow.timestamp, String), type_coerce(RecordRow.id, String))
    lines = _SqliteLines()
    with engine.connect() as connection:
        while True:
            page = statement
            if after is not None:
                page = page.where(stored > tuple_(*(literal(v, String) for v in after)))
            with connection.execute(page.limit(batch)) as result:
                rows = result.cursor.fetchall()  # the stored text, without a Row apiece
            connection.rollback()
            if not rows:
                return
            yield lines.chunk(rows)
            if len(rows) < batch:
                return
            after = (rows[-1][1], rows[-1][0])


class _SqliteLines:
    """Lines from SQLite's stored text. A stream's records share a model and a few datasets,
    experiments, seasons and sites, so the JSON of each of those is written once per stream
    and only the record's own id, time, date and JSON are written per line."""

    def __init__(self) -> None:
        self.datasets: dict[str, str] = {}
        self.models: dict[str, str] = {}
        self.experiments: dict[str | None, str] = {None: ""}
        self.seasons: dict[str | None, str] = {None: ""}
        self.sites: dict[str | None, str] = {None: ""}

    def chunk(self, rows: Sequence[Sequence[Any]]) -> bytes:
        datasets, models = self.datasets, self.models
        experiments, seasons, sites = self.experiments, self.seasons, self.sites
        out = []
        for (
            ident,
            moment,
            day,
            dataset_id,
            dataset_name,
            model_id,
            model_name,
            model_data,
            experiment_id,
            experiment_name,
            season_id,
            season_name,
            site_id,
            site_name,
            record_file,
            record_info,
        ) in rows:
            dataset = datasets.get(dataset_id)
            if dataset is None:
                dataset = datasets[dataset_id] = _named("dataset", dataset_id, dataset_name)
            model = models.get(model_id)
            if model is None:
                model = models[model_id] = _named("model", model_id, model_name)
            experiment = experiments.get(experiment_id)
            if experiment is None:
                experiment = experiments[experiment_id] = _named(
                    "experiment", experiment_id, experiment_name
                )
            season = seasons.get(season_id)
            if season is None:
                season = seasons[season_id] = _named("season", season_id, season_name)
            site = sites.get(site_id)
            if site is None:
                site = sites[site_id] = _named("site", site_id, site_name)
            if moment.endswith(".000000"):
                moment = moment[:10] + "T" + moment[11:19]
            else:
                moment = moment[:10] + "T" + moment[11:]
            h = ident
            out.append(
                f'{{"id":"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}",'
                f'"timestamp":"{moment}","collection_date":"{day}"{dataset}{model}'
                + (f',"model_data":{model_data}' if model_data and model_data != "null" else "")
                + experiment
                + season
                + site
                + (f',"record_file":{_string(record_file)}' if record_file else "")
                + (f',"record_info":{record_info}' if record_info and record_info != "null" else "")
                + "}\n"
            )
        return "".join(out).encode("utf-8")


def _named(label: str, ident: str, name: str | None) -> str:
    """``,"site_id":"…","site_name":"…"``: a named thing's part of a line."""
    return f',"{label}_id":"{_dashed(ident)}","{label}_name":{_string(name or "")}'


def _dashed(hex_: str) -> str:
    return f"{hex_[:8]}-{hex_[8:12]}-{hex_[12:16]}-{hex_[16:20]}-{hex_[20:]}"
