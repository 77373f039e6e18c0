"""All SQL of sample datasets and their datasources."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from modelyard.db.tables import DatasourceRow, SampleDatasetRow


def get_dataset(
    session: Session, project_id: uuid.UUID, dataset_id: str
) -> SampleDatasetRow | None:
    query = select(SampleDatasetRow).where(
        SampleDatasetRow.project_id == project_id, SampleDatasetRow.id == dataset_id
    )
    return session.scalar(query)


def get_dataset_by_id(session: Session, dataset_id: str) -> SampleDatasetRow | None:
    return session.get(SampleDatasetRow, dataset_id)


def get_dataset_by_name(
    session: Session, project_id: uuid.UUID, name: str
) -> SampleDatasetRow | None:
    query = select(SampleDatasetRow).where(
        SampleDatasetRow.project_id == project_id, SampleDatasetRow.name == name
    )
    return session.scalar(query)


def list_datasets(
    session: Session, project_id: uuid.UUID
) -> list[tuple[SampleDatasetRow, DatasourceRow | None]]:
    """The project's datasets, oldest first, each with its datasource (for its counts)."""
    query = (
        select(SampleDatasetRow, DatasourceRow)
        .outerjoin(DatasourceRow, DatasourceRow.dataset_id == SampleDatasetRow.id)
        .where(SampleDatasetRow.project_id == project_id)
        .order_by(SampleDatasetRow.created_at, SampleDatasetRow.id)
    )
    return [(dataset, datasource) for dataset, datasource in session.execute(query).all()]


def add_dataset(session: Session, dataset: SampleDatasetRow, datasource: DatasourceRow) -> None:
    session.add(dataset)
    session.flush()
    session.add(datasource)
    session.flush()


def delete_dataset(session: Session, dataset: SampleDatasetRow) -> None:
    """The dataset and its datasource row (explicitly: SQLite may run without foreign keys)."""
    datasource = session.get(DatasourceRow, dataset.id)
    if datasource is not None:
        session.delete(datasource)
        session.flush()
    session.delete(dataset)
    session.flush()


def get_datasource(session: Session, dataset_id: str) -> DatasourceRow | None:
    return session.get(DatasourceRow, dataset_id)


def record_count(
    session: Session, dataset_id: str, *, revision: int, n_samples: int, size_in_bytes: int,
    now: datetime,
) -> bool:  # fmt: skip
    """Store a count if the datasource still has the revision it was made for."""
    query = (
        update(DatasourceRow)
        .where(DatasourceRow.dataset_id == dataset_id, DatasourceRow.revision == revision)
        .values(n_samples=n_samples, size_in_bytes=size_in_bytes, counted_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(session.execute(query).rowcount) == 1  # type: ignore[attr-defined]


def due_for_count(
    session: Session, *, queued_before: datetime, limit: int
) -> list[tuple[DatasourceRow, uuid.UUID]]:
    """Datasources with a store whose last count was queued before ``queued_before`` (or
    never), longest waiting first, each with its dataset's project."""
    query = (
        select(DatasourceRow, SampleDatasetRow.project_id)
        .join(SampleDatasetRow, SampleDatasetRow.id == DatasourceRow.dataset_id)
        .where(
            DatasourceRow.type != "LIGHTLY",
            or_(
                DatasourceRow.count_queued_at.is_(None),
                DatasourceRow.count_queued_at < queued_before,
            ),
        )
        .order_by(DatasourceRow.count_queued_at.nulls_first(), DatasourceRow.dataset_id)
        .limit(limit)
    )
    return [(row, project_id) for row, project_id in session.execute(query).all()]
