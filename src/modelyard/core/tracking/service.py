"""Registered models and what belongs to them: experiments, runs and datasets.

Everything lives in one project (the registry acts in the caller's home project). A model is
unique by name and URL: creating an existing pair gives that model back, renaming onto another
model's pair is a conflict. An experiment or dataset a request names is created on the spot and
linked to the model. Lists answer NotFound when empty, as the framework's do.
Services flush, never commit: the caller owns the transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from sqlalchemy.orm import Session

from modelyard.core.identity.schemas import ProjectRef
from modelyard.core.tracking import errors, rules
from modelyard.core.tracking import repository as repo
from modelyard.core.tracking.schemas import (
    DatasetCreate,
    DatasetRead,
    ExperimentRead,
    ModelCreate,
    ModelRead,
    ModelSearch,
    ModelUpdate,
    RunCreate,
    RunRead,
)
from modelyard.db import effects
from modelyard.db.tables.tracking import (
    ExperimentRow,
    RunRow,
    TrackedDatasetRow,
    TrackedModelRow,
)
from modelyard.storage import ArtifactStore

T = TypeVar("T")


def read_model(row: TrackedModelRow) -> ModelRead:
    return ModelRead(
        id=row.id,
        model_name=row.model_name,
        model_url=row.model_url or None,
        model_info=row.model_info,
    )


def model_of(session: Session, project: ProjectRef, model_id: str) -> TrackedModelRow:
    """The project's model with this id; NotFound for an unknown or malformed id."""
    parsed = rules.parse_id(model_id)
    row = None if parsed is None else repo.get_model(session, project.id, parsed)
    if row is None:
        raise errors.model_not_found(model_id)
    return row


def create_model(session: Session, project: ProjectRef, data: ModelCreate) -> ModelRead:
    url = data.model_url or ""
    new = TrackedModelRow(
        project_id=project.id,
        model_name=data.model_name,
        model_url=url,
        model_info=data.model_info if data.model_info is not None else {},
    )
    row = repo.find_or_add(
        session, new, lambda: repo.find_model(session, project.id, data.model_name, url)
    )
    if data.experiment_name:
        experiment = experiment_named(session, project, data.experiment_name)
        repo.link_experiment(session, row.id, experiment.id)
    return read_model(row)


def get_model(session: Session, project: ProjectRef, model_id: str) -> ModelRead:
    return read_model(model_of(session, project, model_id))


def all_models(session: Session, project: ProjectRef) -> list[ModelRead]:
    return _nonempty([read_model(r) for r in repo.list_models(session, project.id)], "models")


def search_models(session: Session, project: ProjectRef, search: ModelSearch) -> list[ModelRead]:
    found = repo.list_models(
        session,
        project.id,
        name=search.model_name,
        url=search.model_url,
        experiment_name=search.experiment_name,
    )
    if search.model_info is not None:
        found = [r for r in found if rules.contains(r.model_info or {}, search.model_info)]
    return _nonempty([read_model(r) for r in found], "models")


def update_model(
    session: Session, project: ProjectRef, model_id: str, data: ModelUpdate
) -> ModelRead:
    row = model_of(session, project, model_id)
    if not data.model_fields_set:
        raise errors.invalid("body", "give at least one of model_name, model_url, model_info")
    name = data.model_name if data.model_name is not None else row.model_name
    url = (data.model_url or "") if "model_url" in data.model_fields_set else row.model_url
    other = repo.find_model(session, project.id, name, url)
    if other is not None and other.id != row.id:
        raise errors.model_taken(name, url)
    row.model_name, row.model_url = name, url
    if data.model_info is not None:
        row.model_info = data.model_info
    session.flush()
    return read_model(row)


def delete_model(
    session: Session, store: ArtifactStore, project: ProjectRef, model_id: str
) -> None:
    """The model with its runs, links and records; its record files leave the store once the
    deletion has committed."""
    row = model_of(session, project, model_id)
    keys = repo.record_files_of_model(session, row.id)
    repo.delete_model(session, row)
    effects.after_commit(session, lambda: _delete_files(store, keys))


def _delete_files(store: ArtifactStore, keys: Sequence[str]) -> None:
    for key in keys:
        store.delete(key)


def model_experiments(session: Session, project: ProjectRef, model_id: str) -> list[ExperimentRead]:
    row = model_of(session, project, model_id)
    found = repo.experiments_of(session, row.id)
    return _nonempty([ExperimentRead.model_validate(e) for e in found], "model experiments")


def model_datasets(session: Session, project: ProjectRef, model_id: str) -> list[DatasetRead]:
    row = model_of(session, project, model_id)
    found = repo.datasets_of(session, row.id)
    return _nonempty([DatasetRead.model_validate(d) for d in found], "model datasets")


def model_runs(session: Session, project: ProjectRef, model_id: str) -> list[RunRead]:
    row = model_of(session, project, model_id)
    return _nonempty([_run(r, row) for r in repo.runs_of(session, row.id)], "model runs")


def create_run(session: Session, project: ProjectRef, model_id: str, data: RunCreate) -> RunRead:
    """A run of the model; the same run info again gives the existing run back."""
    model = model_of(session, project, model_id)
    key = rules.info_key(data.model_run_info)
    new = RunRow(model_id=model.id, model_run_info=data.model_run_info or {}, info_key=key)
    row = repo.find_or_add(session, new, lambda: repo.find_run(session, model.id, key))
    return _run(row, model)


def create_dataset(
    session: Session, project: ProjectRef, model_id: str, data: DatasetCreate
) -> DatasetRead:
    """A dataset of the model (datasets are named per project: an existing one is linked)."""
    model = model_of(session, project, model_id)
    new = TrackedDatasetRow(
        project_id=project.id,
        dataset_name=data.dataset_name,
        dataset_info=data.dataset_info if data.dataset_info is not None else {},
        collection_date=data.collection_date,
    )
    row = repo.named(session, new)
    repo.link_dataset(session, model.id, row.id)
    if data.experiment_name:
        experiment = experiment_named(session, project, data.experiment_name)
        repo.link_experiment(session, model.id, experiment.id)
    return DatasetRead.model_validate(row)


def experiment_named(session: Session, project: ProjectRef, name: str) -> ExperimentRow:
    """The project's experiment of this name, created when it is new."""
    new = ExperimentRow(project_id=project.id, experiment_name=name, experiment_info={})
    return repo.named(session, new)


def _run(row: RunRow, model: TrackedModelRow) -> RunRead:
    return RunRead(
        id=row.id,
        model_id=model.id,
        model_name=model.model_name,
        model_run_info=row.model_run_info,
    )


def _nonempty(items: Sequence[T], what: str) -> list[T]:
    if not items:
        raise errors.nothing_found(what, "model_id" if what.startswith("model ") else "query")
    return list(items)
