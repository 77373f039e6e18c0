"""All SQL of the tracking domain's models, experiments, runs and datasets (records have
``record_repository.py``)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from functools import cache
from typing import Any, NamedTuple, TypeVar

from sqlalchemy import BindParameter, Select, bindparam, delete, exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from modelyard.db.tables.tracking import (
    ExperimentRow,
    ModelDatasetRow,
    ModelExperimentRow,
    RecordRow,
    RunRow,
    SeasonRow,
    SiteRow,
    TrackedDatasetRow,
    TrackedModelRow,
)

Found = TypeVar("Found")
Named = TypeVar("Named", ExperimentRow, SeasonRow, SiteRow, TrackedDatasetRow)
NAME_COLUMN = {
    ExperimentRow: "experiment_name",
    SeasonRow: "season_name",
    SiteRow: "site_name",
    TrackedDatasetRow: "dataset_name",
}


def get_model(
    session: Session, project_id: uuid.UUID, model_id: uuid.UUID
) -> TrackedModelRow | None:
    row = session.get(TrackedModelRow, model_id)
    return row if row is not None and row.project_id == project_id else None


def find_model(
    session: Session, project_id: uuid.UUID, name: str, url: str
) -> TrackedModelRow | None:
    return session.scalars(
        select(TrackedModelRow).where(
            TrackedModelRow.project_id == project_id,
            TrackedModelRow.model_name == name,
            TrackedModelRow.model_url == url,
        )
    ).first()


def list_models(
    session: Session,
    project_id: uuid.UUID,
    *,
    name: str | None = None,
    url: str | None = None,
    experiment_name: str | None = None,
) -> Sequence[TrackedModelRow]:
    query = select(TrackedModelRow).where(TrackedModelRow.project_id == project_id)
    if name is not None:
        query = query.where(TrackedModelRow.model_name == name)
    if url is not None:
        query = query.where(TrackedModelRow.model_url == url)
    if experiment_name is not None:
        query = (
            query.join(ModelExperimentRow, ModelExperimentRow.model_id == TrackedModelRow.id)
            .join(ExperimentRow, ExperimentRow.id == ModelExperimentRow.experiment_id)
            .where(ExperimentRow.experiment_name == experiment_name)
        )
    return session.scalars(query.order_by(TrackedModelRow.created_at, TrackedModelRow.id)).all()


def find_named(
    session: Session, row_type: type[Named], project_id: uuid.UUID, name: str
) -> Named | None:
    column = getattr(row_type, NAME_COLUMN[row_type])
    return session.scalars(
        select(row_type).where(row_type.project_id == project_id, column == name)
    ).first()


def named(session: Session, row: Named) -> Named:
    """The project's row of ``row``'s name, ``row`` itself inserted when there is none."""
    name = getattr(row, NAME_COLUMN[type(row)])
    return find_or_add(session, row, lambda: find_named(session, type(row), row.project_id, name))


class NamesFound(NamedTuple):
    """The ids of a record's named things that exist already, and whether the model is
    linked to its dataset and experiment (``None`` and False for what is not there)."""

    dataset_id: uuid.UUID | None
    dataset_linked: bool
    experiment_id: uuid.UUID | None
    experiment_linked: bool
    season_id: uuid.UUID | None
    site_id: uuid.UUID | None


@cache
def _names_select() -> Select[Any]:
    """One statement for all of a record's names (built once, bound per call)."""
    project: BindParameter[Any] = bindparam("project_id")
    model: BindParameter[Any] = bindparam("model_id")

    def named_id(row_type: type[Named], name: str) -> Any:
        column = getattr(row_type, NAME_COLUMN[row_type])
        return (
            select(row_type.id)
            .where(row_type.project_id == project, column == bindparam(name))
            .limit(1)
            .scalar_subquery()
        )

    dataset_linked = exists().where(
        ModelDatasetRow.model_id == model,
        ModelDatasetRow.dataset_id == TrackedDatasetRow.id,
        TrackedDatasetRow.project_id == project,
        TrackedDatasetRow.dataset_name == bindparam("dataset"),
    )
    experiment_linked = exists().where(
        ModelExperimentRow.model_id == model,
        ModelExperimentRow.experiment_id == ExperimentRow.id,
        ExperimentRow.project_id == project,
        ExperimentRow.experiment_name == bindparam("experiment"),
    )
    return select(
        named_id(TrackedDatasetRow, "dataset"),
        dataset_linked,
        named_id(ExperimentRow, "experiment"),
        experiment_linked,
        named_id(SeasonRow, "season"),
        named_id(SiteRow, "site"),
    )


def find_names(
    session: Session,
    project_id: uuid.UUID,
    model_id: uuid.UUID,
    *,
    dataset: str,
    experiment: str | None,
    season: str | None,
    site: str | None,
) -> NamesFound:
    """What exists of a record's named things, found in one statement (a record added one a
    request pays for each statement)."""
    found = session.execute(
        _names_select(),
        {
            "project_id": project_id,
            "model_id": model_id,
            "dataset": dataset,
            "experiment": experiment,
            "season": season,
            "site": site,
        },
    ).one()
    return NamesFound(found[0], bool(found[1]), found[2], bool(found[3]), found[4], found[5])


def add(session: Session, row: object) -> None:
    session.add(row)
    session.flush()


def add_unique(session: Session, row: object) -> bool:
    """Insert ``row`` in a savepoint; False when a unique key is taken (by a concurrent
    request, say), leaving the transaction usable."""
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        return False
    return True


def find_or_add(session: Session, row: Found, find: Callable[[], Found | None]) -> Found:
    """The existing row ``find`` returns, else ``row`` inserted; a concurrent insert of the
    same key between the two is found again instead of failing the request."""
    existing = find()
    if existing is not None:
        return existing
    if add_unique(session, row):
        return row
    existing = find()
    if existing is None:
        raise RuntimeError(f"{type(row).__name__} was neither inserted nor found")
    return existing


def link_experiment(session: Session, model_id: uuid.UUID, experiment_id: uuid.UUID) -> None:
    key = (model_id, experiment_id)
    link = ModelExperimentRow(model_id=model_id, experiment_id=experiment_id)
    find_or_add(session, link, lambda: session.get(ModelExperimentRow, key))


def link_dataset(session: Session, model_id: uuid.UUID, dataset_id: uuid.UUID) -> None:
    key = (model_id, dataset_id)
    link = ModelDatasetRow(model_id=model_id, dataset_id=dataset_id)
    find_or_add(session, link, lambda: session.get(ModelDatasetRow, key))


def experiments_of(session: Session, model_id: uuid.UUID) -> Sequence[ExperimentRow]:
    return session.scalars(
        select(ExperimentRow)
        .join(ModelExperimentRow, ModelExperimentRow.experiment_id == ExperimentRow.id)
        .where(ModelExperimentRow.model_id == model_id)
        .order_by(ExperimentRow.experiment_name)
    ).all()


def datasets_of(session: Session, model_id: uuid.UUID) -> Sequence[TrackedDatasetRow]:
    return session.scalars(
        select(TrackedDatasetRow)
        .join(ModelDatasetRow, ModelDatasetRow.dataset_id == TrackedDatasetRow.id)
        .where(ModelDatasetRow.model_id == model_id)
        .order_by(TrackedDatasetRow.dataset_name)
    ).all()


def runs_of(session: Session, model_id: uuid.UUID) -> Sequence[RunRow]:
    return session.scalars(
        select(RunRow).where(RunRow.model_id == model_id).order_by(RunRow.created_at, RunRow.id)
    ).all()


def find_run(session: Session, model_id: uuid.UUID, info_key: str) -> RunRow | None:
    return session.scalars(
        select(RunRow).where(RunRow.model_id == model_id, RunRow.info_key == info_key)
    ).first()


def record_files_of_model(session: Session, model_id: uuid.UUID) -> Sequence[str]:
    return session.scalars(
        select(RecordRow.record_file).where(
            RecordRow.model_id == model_id, RecordRow.record_file.is_not(None)
        )
    ).all()  # type: ignore[return-value]


def delete_model(session: Session, model: TrackedModelRow) -> None:
    """The model and everything that hangs off it (runs, links, records), in set statements:
    a model may hold millions of records, too many to load as objects."""
    for table in (RecordRow, RunRow, ModelExperimentRow, ModelDatasetRow):
        session.execute(delete(table).where(table.model_id == model.id))
    session.delete(model)
    session.flush()
