"""The ``dataset.collate`` job: write a checked chunked upload as one dataset.

The conflict checks already ran when the user finished the upload; the job does the heavy
write (the dataset's Parquet and CSV, ``service.write_dataset``) outside any transaction,
then, in one transaction, points the dataset at the new objects, marks it uploaded and removes
the chunks. Should the write fail, the dataset goes back to uploading with the reason in
``detail``, its chunks untouched, so the user can fix them.
"""

from __future__ import annotations

import logging
import uuid

from modelyard.core.data.datasets import repository as repo
from modelyard.core.data.datasets import shapes
from modelyard.core.data.datasets.schemas import PROCESSING, UPLOADED, UPLOADING
from modelyard.core.data.datasets.service import seekable_opener, stored_chunks, write_dataset
from modelyard.core.jobs.schemas import ClaimedJob, JobOutcome
from modelyard.db.engine import SessionFactory, transaction
from modelyard.storage import ArtifactStore

logger = logging.getLogger(__name__)


class Collator:
    """Runs ``dataset.collate`` jobs against one database and artifact store."""

    def __init__(self, sessions: SessionFactory, store: ArtifactStore) -> None:
        self.sessions, self.store = sessions, store

    def run(self, job: ClaimedJob) -> JobOutcome:
        dataset_id = uuid.UUID(job.payload["dataset_id"])
        with transaction(self.sessions) as session:
            row = repo.get_dataset(session, job.project_id, dataset_id)
            if row is None or row.status != PROCESSING:
                return JobOutcome(success=True, result={"skipped": True})
            chunks = stored_chunks(repo.list_chunks(session, dataset_id))
            columns, prefix = list(row.column_headers), f"datasets/{row.project_id}/{row.id}"
        key = f"{prefix}/data-{uuid.uuid4().hex}{shapes.DATASET_SUFFIX}"
        try:
            write_dataset(self.store, seekable_opener(self.store), chunks, columns, key)
        except Exception as exc:
            logger.exception("collating dataset %s failed", dataset_id)
            self._back_to_uploading(job.project_id, dataset_id, f"collating failed: {exc}")
            return JobOutcome(success=False, error=str(exc))
        return self._finish(job.project_id, dataset_id, key)

    def _finish(self, project_id: uuid.UUID, dataset_id: uuid.UUID, key: str) -> JobOutcome:
        with transaction(self.sessions) as session:
            row = repo.get_dataset(session, project_id, dataset_id, lock=True)
            if row is None or row.status != PROCESSING:
                for name in shapes.dataset_objects(key):
                    self.store.delete(name)
                return JobOutcome(success=True, result={"skipped": True})
            chunks = list(repo.list_chunks(session, dataset_id))
            row.storage_key, row.status, row.detail = key, UPLOADED, None
            for chunk in chunks:
                session.delete(chunk)
            session.flush()
        for chunk in chunks:
            for name in shapes.chunk_objects(chunk.storage_key):
                self.store.delete(name)
        return JobOutcome(success=True, result={"storage_key": key})

    def _back_to_uploading(self, project_id: uuid.UUID, dataset_id: uuid.UUID, why: str) -> None:
        with transaction(self.sessions) as session:
            row = repo.get_dataset(session, project_id, dataset_id, lock=True)
            if row is not None and row.status == PROCESSING:
                row.status, row.detail = UPLOADING, why[:2000]
                session.flush()
