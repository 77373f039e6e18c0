"""Records added in bulk: many records of one model in one request, all or nothing.

The same rules as one record at a time (``records.add_record``): the same defaults, the same
named things created on the spot, the same uniqueness per model. What differs is the cost: each
dataset, experiment, season and site is resolved once per request rather than once per record,
duplicates are looked for with one query per few thousand keys, and the rows go in with one
multi-row insert. A record that breaks a rule fails the whole request, naming its line; nothing
is added (the caller's transaction rolls back, named things created on the way included).
Services flush, never commit: the caller owns the transaction.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, NamedTuple

from sqlalchemy.orm import Session

from modelyard.core.identity.schemas import ProjectRef
from modelyard.core.tracking import errors, rules
from modelyard.core.tracking import record_repository as records_repo
from modelyard.core.tracking import repository as repo
from modelyard.core.tracking.record_writer import RecordWriter, writer_for
from modelyard.core.tracking.service import experiment_named, model_of
from modelyard.db.tables.tracking import SeasonRow, SiteRow, TrackedDatasetRow, TrackedModelRow
from modelyard.errors import Conflict

MAX_RECORDS = 200_000
"""Records per request: a bound on the memory one request holds (about 1 KB per record)."""


class RecordFields(NamedTuple):
    """One record of a bulk add: the single add's fields (``RecordCreate``'s, validated by
    the caller), as a plain tuple: a request holds up to ``MAX_RECORDS`` of them, and a
    tuple costs a fraction of a model to build."""

    timestamp: datetime
    model_data: dict[str, Any]
    collection_date: date | None = None
    dataset_name: str | None = None
    experiment_name: str | None = None
    season_name: str | None = None
    site_name: str | None = None
    record_info: dict[str, Any] | None = None


class NumberedRecord(NamedTuple):
    """A record and the line of the request it came from (errors name the line)."""

    line: int
    record: RecordFields


@dataclass(frozen=True)
class RecordsAdded:
    """What a bulk add did: the new records' ids, in the order they were sent."""

    ids: list[uuid.UUID]


class _Names:
    """The ids of named things, each resolved (and created, and linked) once per request."""

    def __init__(self, session: Session, project: ProjectRef, model: TrackedModelRow) -> None:
        self.session, self.project, self.model = session, project, model
        self.datasets: dict[str, uuid.UUID] = {}
        self.experiments: dict[str, uuid.UUID] = {}
        self.seasons: dict[str, uuid.UUID] = {}
        self.sites: dict[str, uuid.UUID] = {}

    def dataset(self, name: str, collection_date: date) -> uuid.UUID:
        found = self.datasets.get(name)
        if found is None:
            new = TrackedDatasetRow(
                project_id=self.project.id,
                dataset_name=name,
                dataset_info={},
                collection_date=collection_date,
            )
            found = self.datasets[name] = repo.named(self.session, new).id
            repo.link_dataset(self.session, self.model.id, found)
        return found

    def experiment(self, name: str | None) -> uuid.UUID | None:
        if not name:
            return None
        found = self.experiments.get(name)
        if found is None:
            found = self.experiments[name] = experiment_named(self.session, self.project, name).id
            repo.link_experiment(self.session, self.model.id, found)
        return found

    def season(self, name: str | None) -> uuid.UUID | None:
        if not name:
            return None
        found = self.seasons.get(name)
        if found is None:
            row = SeasonRow(project_id=self.project.id, season_name=name)
            found = self.seasons[name] = repo.named(self.session, row).id
        return found

    def site(self, name: str | None) -> uuid.UUID | None:
        if not name:
            return None
        found = self.sites.get(name)
        if found is None:
            row = SiteRow(project_id=self.project.id, site_name=name)
            found = self.sites[name] = repo.named(self.session, row).id
        return found


def add_records(
    session: Session, project: ProjectRef, model_id: str, batch: Sequence[NumberedRecord]
) -> RecordsAdded:
    """Add every record of ``batch`` to the model, or none: InvalidInput naming the line and
    field of the first record that breaks a rule, Conflict naming the first record that is
    already there (or twice in the batch)."""
    model = model_of(session, project, model_id)
    if not batch:
        raise errors.invalid("body", "send at least one record, one JSON object per line")
    if len(batch) > MAX_RECORDS:
        raise errors.invalid("body", f"send at most {MAX_RECORDS:,} records per request")
    for line, data in batch:
        if not (data.experiment_name or data.season_name or data.site_name):
            raise errors.invalid_line(
                line,
                "experiment_name",
                "give at least one of experiment_name, season_name or site_name",
            )
    records_repo.hold_model(session, model.id)
    names = _Names(session, project, model)
    writer = writer_for(session)
    ids = _new_ids(len(batch))
    keys: dict[str, int] = {}
    rows = []
    for index, (_, data) in enumerate(batch):
        key, row = _row(names, writer, ids[index], data)
        earlier = keys.setdefault(key, index)
        if earlier != index:
            raise _duplicate(batch[index], f"the same record is on line {batch[earlier].line}")
        rows.append(row)
    if not writer.insert(session, rows):
        taken = records_repo.taken_keys(session, model.id, list(keys))
        if not taken:
            raise errors.model_not_found(model.id)  # deleted meanwhile
        first = min(keys[key] for key in taken)
        raise _duplicate(batch[first], "it already exists for this model")
    return RecordsAdded(ids)


def _new_ids(count: int) -> list[uuid.UUID]:
    """Random (version 4) ids, the randomness drawn once for the whole batch."""
    pool = os.urandom(16 * count)
    return [uuid.UUID(bytes=pool[i : i + 16], version=4) for i in range(0, 16 * count, 16)]


def _row(
    names: _Names, writer: RecordWriter, record_id: uuid.UUID, data: RecordFields
) -> tuple[str, tuple[Any, ...]]:
    """The record's natural key, and its row as ``writer`` takes it."""
    collection_date = data.collection_date or data.timestamp.date()
    dataset_name = data.dataset_name or rules.default_dataset_name(
        names.model.model_name, collection_date
    )
    dataset_id = names.dataset(dataset_name, collection_date)
    experiment_id = names.experiment(data.experiment_name)
    season_id = names.season(data.season_name)
    site_id = names.site(data.site_name)
    timestamp = data.timestamp.astimezone(UTC)
    key = rules.natural_key(
        timestamp=timestamp,
        collection_date=collection_date,
        dataset_id=dataset_id,
        experiment_id=experiment_id,
        season_id=season_id,
        site_id=site_id,
    )
    record_info = data.record_info if data.record_info is not None else {}
    ids = (record_id, names.model.id, dataset_id, experiment_id, season_id, site_id)
    return key, writer.values(ids, timestamp, collection_date, data.model_data, record_info, key)


def _duplicate(numbered: NumberedRecord, why: str) -> Conflict:
    return errors.duplicate_in_batch(numbered.line, _described(numbered.record), why)


def _described(data: RecordFields) -> str:
    """The record as its sender knows it: the fields that make it unique."""
    parts = [f"timestamp {_naive(data.timestamp)}"]
    if data.collection_date is not None:
        parts.append(f"collection date {data.collection_date.isoformat()}")
    for label, value in (
        ("dataset", data.dataset_name),
        ("experiment", data.experiment_name),
        ("season", data.season_name),
        ("site", data.site_name),
    ):
        if value:
            parts.append(f"{label} '{value}'")
    return ", ".join(parts)


def _naive(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat()
