"""Training as a ``tabular.train`` job, and prediction and imputation with a trained model.

The job reads the dataset and fits outside any transaction, stores the estimator under a new
key, then records ``trained`` only if the model still waits for this training (its revision
is unchanged); a newer request or a deleted model wins, and the orphaned estimator is removed.
A failure records ``failed`` with the reason in ``detail``. Prediction and imputation answer
in the request, as the vendor's API does, with the estimator loaded from the store.
Arrow, numpy and scikit-learn are imported on use, so a server that never trains loads none.
"""

from __future__ import annotations

import logging
import tempfile
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from modelyard.core.data.datasets import service as datasets
from modelyard.core.identity.schemas import ProjectRef
from modelyard.core.jobs.schemas import ClaimedJob, JobOutcome
from modelyard.core.tabular import repository as repo
from modelyard.core.tabular.errors import invalid, model_not_found, not_trained
from modelyard.core.tabular.schemas import FAILED, STALE, TRAINED, RowsInput
from modelyard.db.engine import SessionFactory, transaction
from modelyard.db.types import utcnow
from modelyard.errors import DomainError
from modelyard.storage import ArtifactStore

if TYPE_CHECKING:
    import pyarrow as pa

    from modelyard.core.tabular import estimator

logger = logging.getLogger(__name__)


class Trainer:
    """Runs ``tabular.train`` jobs against one database and artifact store."""

    def __init__(self, sessions: SessionFactory, store: ArtifactStore) -> None:
        self.sessions, self.store = sessions, store

    def run(self, job: ClaimedJob) -> JobOutcome:
        from modelyard.core.tabular import estimator

        revision, dataset_id = job.payload["revision"], uuid.UUID(job.payload["dataset_id"])
        assert job.subject_id is not None
        with transaction(self.sessions) as session:
            row = repo.get_model(session, job.project_id, job.subject_id, lock=True)
            if row is None or row.revision != revision:
                return JobOutcome(success=True, result={"skipped": True})
            row.training_start_time = utcnow()
            try:
                dataset = datasets.ready_in(session, job.project_id, dataset_id)
            except DomainError as exc:
                row.status, row.detail = FAILED, exc.message
                return JobOutcome(success=False, error=exc.message)
        key = f"tabular/{job.project_id}/{job.subject_id}/{uuid.uuid4().hex}.joblib"
        try:
            fitted = estimator.fit(
                datasets.load_table(self.store, dataset), dataset.descriptor_columns
            )
            self._put(key, fitted)
        except Exception as exc:
            logger.warning("training model %s failed: %s", job.subject_id, exc)
            self._record(job, revision, None, None, str(exc))
            return JobOutcome(success=False, error=str(exc))
        self._record(job, revision, key, fitted.columns, None, dataset_id)
        return JobOutcome(success=True, result={"estimator_key": key})

    def _put(self, key: str, fitted: estimator.Fitted) -> None:
        with tempfile.TemporaryDirectory(prefix="modelyard-train-") as scratch:
            path = Path(scratch, "estimator.joblib")
            with path.open("wb") as out:
                fitted.dump(out)
            with path.open("rb") as source:
                self.store.put(key, source)

    def _record(
        self,
        job: ClaimedJob,
        revision: int,
        key: str | None,
        columns: list[str] | None,
        error: str | None,
        dataset_id: uuid.UUID | None = None,
    ) -> None:
        assert job.subject_id is not None
        old: str | None = None
        with transaction(self.sessions) as session:
            row = repo.get_model(session, job.project_id, job.subject_id, lock=True)
            if row is None or row.revision != revision:
                old = key
            elif error is not None:
                row.status, row.detail = FAILED, error[:2000]
            else:
                old, row.estimator_key = row.estimator_key, key
                row.training_column_headers = columns
                row.status = TRAINED if row.training_dataset_id == dataset_id else STALE
                row.training_completion_time = utcnow()
            session.flush()
        if old:
            self.store.delete(old)


def _rows(session: Session, store: ArtifactStore, project: ProjectRef, data: RowsInput) -> pa.Table:
    """The rows a request names: a CSV in ``data`` or an uploaded dataset of the project."""
    import pyarrow.parquet as pq

    from modelyard.core.data.datasets import csvfiles

    if data.data is not None:
        with tempfile.TemporaryDirectory(prefix="modelyard-rows-") as scratch:
            source, parsed = Path(scratch, "rows.csv"), Path(scratch, "rows.parquet")
            csvfiles.text_to_file(data.data, source)
            csvfiles.parse_to_parquet(source, parsed, field="data")
            return pq.read_table(parsed)
    if data.dataset_id is not None:
        dataset = datasets.ready(session, project, data.dataset_id)
        return datasets.load_table(store, dataset)
    raise invalid("data", "give the rows as a CSV in 'data' or name a 'datasetId'")


def _fitted(
    session: Session, store: ArtifactStore, project: ProjectRef, model_id: str
) -> estimator.Fitted:
    from modelyard.core.tabular import estimator

    row = repo.get_model(session, project.id, datasets.parse_id(model_id, "id"))
    if row is None:
        raise model_not_found(model_id)
    if row.status not in (TRAINED, STALE) or row.estimator_key is None:
        raise not_trained(model_id, row.status)
    with datasets.open_seekable(store, row.estimator_key) as source:
        return estimator.Fitted.load(source)


def predict(
    session: Session, store: ArtifactStore, project: ProjectRef, model_id: str, data: RowsInput
) -> str:
    """The target columns of the given rows, predicted, as CSV."""
    from modelyard.core.tabular import estimator

    fitted = _fitted(session, store, project, model_id)
    rows = estimator.rows_of(fitted, _rows(session, store, project, data))
    return estimator.to_csv(
        estimator.predict(fitted, rows),
        row_headers=data.return_row_headers,
        column_headers=data.return_column_headers,
    )


def impute(
    session: Session, store: ArtifactStore, project: ProjectRef, model_id: str, data: RowsInput
) -> str:
    """The given rows with their missing numeric cells filled in, as CSV."""
    from modelyard.core.tabular import estimator

    fitted = _fitted(session, store, project, model_id)
    rows = estimator.rows_of(fitted, _rows(session, store, project, data))
    return estimator.to_csv(
        estimator.impute(fitted, rows),
        row_headers=data.return_row_headers,
        column_headers=data.return_column_headers,
    )
