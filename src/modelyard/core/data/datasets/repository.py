"""All SQL of tabular datasets."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from modelyard.db.tables.tabular import TabularChunkRow, TabularDatasetRow


def get_dataset(
    session: Session, project_id: uuid.UUID, dataset_id: uuid.UUID, *, lock: bool = False
) -> TabularDatasetRow | None:
    query = select(TabularDatasetRow).where(
        TabularDatasetRow.id == dataset_id, TabularDatasetRow.project_id == project_id
    )
    if lock:
        query = query.with_for_update()
    return session.scalar(query)


def datasets_of_model(session: Session, model_id: uuid.UUID) -> Sequence[TabularDatasetRow]:
    query = select(TabularDatasetRow).where(TabularDatasetRow.model_id == model_id)
    return session.scalars(query).all()


def list_chunks(session: Session, dataset_id: uuid.UUID) -> Sequence[TabularChunkRow]:
    query = (
        select(TabularChunkRow)
        .where(TabularChunkRow.dataset_id == dataset_id)
        .order_by(TabularChunkRow.chunk_number)
    )
    return session.scalars(query).all()


def get_chunk(session: Session, dataset_id: uuid.UUID, number: int) -> TabularChunkRow | None:
    query = select(TabularChunkRow).where(
        TabularChunkRow.dataset_id == dataset_id, TabularChunkRow.chunk_number == number
    )
    return session.scalar(query)
