"""Tabular models and their training datasets.

A model trains on one dataset of its project (``training_dataset_id``). Uploading a new
dataset through the model makes it the training dataset, as does switching to an existing one;
either makes a trained model ``stale``, and once trained a model only takes datasets whose
columns begin with the ones it was trained on. The chunk operations act on the model's
training dataset while it is being uploaded. Services flush, never commit.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy.orm import Session

from modelyard.core.data.datasets import service as datasets
from modelyard.core.data.datasets.schemas import ChunkRead, DatasetCreate, DatasetRead
from modelyard.core.identity.schemas import ProjectRef
from modelyard.core.jobs import service as jobs
from modelyard.core.tabular import repository as repo
from modelyard.core.tabular.errors import headers_clash, invalid, model_not_found, no_dataset
from modelyard.core.tabular.schemas import (
    NEW,
    STALE,
    TRAINED,
    TRAINING,
    TRAINING_METHODS,
    TabularModelCreate,
    TabularModelRead,
)
from modelyard.db.tables.tabular import TabularModelRow
from modelyard.storage import ArtifactStore

TRAIN_KIND = "tabular.train"
NAME_MAX = 256


def _row(
    session: Session, project: ProjectRef, model_id: str | uuid.UUID, *, lock: bool = False
) -> TabularModelRow:
    parsed = datasets.parse_id(model_id, "id")
    row = repo.get_model(session, project.id, parsed, lock=lock)
    if row is None:
        raise model_not_found(model_id)
    return row


def create_model(
    session: Session, project: ProjectRef, data: TabularModelCreate
) -> TabularModelRead:
    if not data.name.strip() or len(data.name) > NAME_MAX:
        raise invalid("name", f"must be 1 to {NAME_MAX} characters")
    if data.training_method not in TRAINING_METHODS:
        raise invalid("trainingMethod", f"must be one of {list(TRAINING_METHODS)}")
    row = TabularModelRow(
        id=uuid.uuid4(),
        project_id=project.id,
        name=data.name,
        training_method=data.training_method,
        tags=data.tags,
        notes=data.notes,
        status=NEW,
        revision=0,
    )
    session.add(row)
    session.flush()
    return TabularModelRead.model_validate(row)


def list_models(session: Session, project: ProjectRef) -> list[TabularModelRead]:
    return [TabularModelRead.model_validate(r) for r in repo.list_models(session, project.id)]


def get_model(session: Session, project: ProjectRef, model_id: str) -> TabularModelRead:
    return TabularModelRead.model_validate(_row(session, project, model_id))


def delete_model(
    session: Session, store: ArtifactStore, project: ProjectRef, model_id: str
) -> None:
    """The model, its estimator and the datasets uploaded through it that no other model
    trains on."""
    row = _row(session, project, model_id)
    owned = [
        d.id
        for d in datasets.owned_by(session, row.id)
        if all(m.id == row.id for m in repo.models_training_on(session, d.id))
    ]
    key = row.estimator_key
    session.delete(row)
    session.flush()
    for dataset_id in owned:
        datasets.delete(session, store, project, dataset_id)
    if key:
        store.delete(key)


def _switch(session: Session, row: TabularModelRow, dataset: DatasetRead) -> None:
    """Make ``dataset`` the training dataset; a trained model must keep its columns."""
    trained = row.training_column_headers
    if trained and dataset.column_headers[: len(trained)] != trained:
        missing = [c for i, c in enumerate(trained) if dataset.column_headers[i : i + 1] != [c]]
        raise headers_clash(missing, trained)
    if row.training_dataset_id != dataset.id and row.status == TRAINED:
        row.status = STALE
    row.training_dataset_id = dataset.id
    session.flush()


def upload_dataset(
    session: Session,
    store: ArtifactStore,
    project: ProjectRef,
    model_id: str,
    data: DatasetCreate,
) -> DatasetRead:
    """A new dataset for the model, which becomes its training dataset."""
    row = _row(session, project, model_id, lock=True)
    trained = row.training_column_headers
    if trained and data.column_headers[: len(trained)] != trained:
        raise headers_clash([c for c in trained if c not in data.column_headers], trained)
    dataset = datasets.create(session, store, project, data, model_id=row.id)
    _switch(session, row, dataset)
    return dataset


def set_training_dataset(
    session: Session, project: ProjectRef, model_id: str, dataset_id: str | None
) -> TabularModelRead:
    """Train the model on an existing dataset of the project from now on."""
    if dataset_id is None:
        raise invalid("trainingDatasetId", "is required")
    row = _row(session, project, model_id, lock=True)
    dataset = datasets.get(session, project, datasets.parse_id(dataset_id, "trainingDatasetId"))
    _switch(session, row, dataset)
    return TabularModelRead.model_validate(row)


def training_dataset(session: Session, project: ProjectRef, model_id: str) -> DatasetRead:
    row = _row(session, project, model_id)
    if row.training_dataset_id is None:
        raise no_dataset(model_id)
    return datasets.get(session, project, row.training_dataset_id)


def _dataset_id(session: Session, project: ProjectRef, model_id: str) -> uuid.UUID:
    return training_dataset(session, project, model_id).id


def delete_training_dataset(
    session: Session, store: ArtifactStore, project: ProjectRef, model_id: str
) -> None:
    """Delete the model's training dataset (chunks and all); no model trains on it after."""
    dataset_id = _dataset_id(session, project, model_id)
    for model in repo.models_training_on(session, dataset_id):
        model.training_dataset_id = None
    session.flush()
    datasets.delete(session, store, project, dataset_id)


def put_chunk(
    session: Session,
    store: ArtifactStore,
    project: ProjectRef,
    model_id: str,
    number: int,
    source: Path,
) -> ChunkRead:
    dataset_id = _dataset_id(session, project, model_id)
    return datasets.put_chunk(session, store, project, dataset_id, number, source)


def list_chunks(session: Session, project: ProjectRef, model_id: str) -> list[ChunkRead]:
    return datasets.list_chunks(session, project, _dataset_id(session, project, model_id))


def get_chunk(session: Session, project: ProjectRef, model_id: str, number: int) -> ChunkRead:
    return datasets.get_chunk(session, project, _dataset_id(session, project, model_id), number)


def delete_chunk(
    session: Session, store: ArtifactStore, project: ProjectRef, model_id: str, number: int
) -> None:
    dataset_id = _dataset_id(session, project, model_id)
    datasets.delete_chunk(session, store, project, dataset_id, number)


def restart_upload(
    session: Session, store: ArtifactStore, project: ProjectRef, model_id: str
) -> None:
    datasets.restart(session, store, project, _dataset_id(session, project, model_id))


def finish_upload(
    session: Session, store: ArtifactStore, project: ProjectRef, model_id: str
) -> DatasetRead:
    dataset_id = _dataset_id(session, project, model_id)
    return datasets.finish_upload(session, store, project, dataset_id)


def download(
    session: Session, store: ArtifactStore, project: ProjectRef, model_id: str
) -> Iterator[bytes]:
    return datasets.download(session, store, project, _dataset_id(session, project, model_id))


def train(session: Session, project: ProjectRef, model_id: str) -> TabularModelRead:
    """Queue training on the current training dataset (it must be uploaded)."""
    row = _row(session, project, model_id, lock=True)
    if row.training_dataset_id is None:
        raise no_dataset(model_id)
    dataset = datasets.ready(session, project, row.training_dataset_id)
    row.revision += 1
    row.status, row.detail = TRAINING, None
    session.flush()
    payload = {"dataset_id": str(dataset.id), "revision": row.revision}
    jobs.enqueue(
        session, kind=TRAIN_KIND, project_id=project.id, subject_id=row.id, payloads=[payload]
    )
    return TabularModelRead.model_validate(row)
