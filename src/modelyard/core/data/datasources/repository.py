"""All SQL of sample datasets and their datasources."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
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


def list_datasets(session: Session, project_id: uuid.UUID) -> Sequence[SampleDatasetRow]:
    query = (
        select(SampleDatasetRow)
        .where(SampleDatasetRow.project_id == project_id)
        .order_by(SampleDatasetRow.created_at, SampleDatasetRow.id)
    )
    return session.scalars(query).all()


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
