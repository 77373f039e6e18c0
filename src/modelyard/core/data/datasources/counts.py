"""How many files a datasource holds and their bytes (Lightly's ``nSamples``, ``sizeInBytes``),
counted in the background and kept in the datasource's row.

Configuring a datasource sets them to 0 and queues a count in the same transaction (a job
carrying the row's ``revision``). The worker lists the whole store outside any transaction,
then records what it found, but only if the row still has that revision, so a slow count of
old settings never lands on new ones. Stores change behind our back, so ``refresh`` (a chore)
queues a new count for every datasource whose last one was queued ``REFRESH_SECONDS`` ago:
the numbers are at most that old plus one count's duration (a minute or two for a million
files), and 0 until the first count of a configuration ends.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from datetime import timedelta

from sqlalchemy.orm import Session

from modelyard.core.data.datasources import repository as repo
from modelyard.core.data.datasources.kinds import find_kind
from modelyard.core.data.datasources.listing import guarded, tally
from modelyard.core.data.datasources.stores import Stores, open_location
from modelyard.core.jobs import service as jobs
from modelyard.core.jobs.schemas import ClaimedJob, JobOutcome
from modelyard.core.jobs.worker import Handler
from modelyard.db.engine import SessionFactory, transaction
from modelyard.db.tables import DatasourceRow
from modelyard.db.types import utcnow
from modelyard.errors import DomainError

logger = logging.getLogger(__name__)

KIND = "datasource.count"
REFRESH_SECONDS = 600.0
"""How often a datasource is counted again."""
REFRESH_BATCH = 100
"""Counts queued by one round of ``refresh`` at most (the rest wait for the next round)."""


def queue_count(session: Session, row: DatasourceRow, project_id: uuid.UUID) -> None:
    """Queue a count of the row's store as it is configured now (nothing for ``LIGHTLY``)."""
    if row.type == "LIGHTLY":
        return
    row.count_queued_at = utcnow()
    session.flush()
    payload = {"dataset_id": row.dataset_id, "revision": row.revision}
    jobs.enqueue(session, kind=KIND, project_id=project_id, subject_id=None, payloads=[payload])


def reset(row: DatasourceRow) -> None:
    """A new configuration: nothing counted of it yet, and counts of the old one void."""
    row.revision += 1
    row.n_samples, row.size_in_bytes, row.counted_at = 0, 0, None


class Counter:
    """The job handler that counts, and the chore that queues counts again."""

    def __init__(self, sessions: SessionFactory, stores: Stores) -> None:
        self.sessions, self.stores = sessions, stores

    def handlers(self) -> Mapping[str, Handler]:
        return {KIND: self.count}

    def count(self, job: ClaimedJob) -> JobOutcome:
        dataset_id = str(job.payload.get("dataset_id"))
        with transaction(self.sessions) as session:
            row = repo.get_datasource(session, dataset_id)
            if row is None or row.revision != job.payload.get("revision") or row.type == "LIGHTLY":
                return JobOutcome(True, result={"status": "superseded"})
            kind, revision = find_kind(row.type), row.revision
            try:
                location = open_location(row, self.stores)
            except DomainError as exc:
                return JobOutcome(False, error=exc.message)
        try:
            n_samples, size = tally(guarded(kind.entries(location, ""), location.secrets))
        except DomainError as exc:
            return JobOutcome(False, error=exc.message)
        with transaction(self.sessions) as session:
            recorded = repo.record_count(
                session, dataset_id, revision=revision, n_samples=n_samples,
                size_in_bytes=size, now=utcnow(),
            )  # fmt: skip
        status = "counted" if recorded else "superseded"
        return JobOutcome(True, result={"status": status, "nSamples": n_samples, "bytes": size})

    def refresh(self) -> int:
        """Queue counts of the datasources last queued ``REFRESH_SECONDS`` ago or never;
        how many were queued."""
        with transaction(self.sessions) as session:
            before = utcnow() - timedelta(seconds=REFRESH_SECONDS)
            due = repo.due_for_count(session, queued_before=before, limit=REFRESH_BATCH)
            for row, project_id in due:
                queue_count(session, row, project_id)
        return len(due)
