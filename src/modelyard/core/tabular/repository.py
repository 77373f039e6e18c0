"""All SQL of tabular models."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from modelyard.db.tables.tabular import TabularModelRow


def get_model(
    session: Session, project_id: uuid.UUID, model_id: uuid.UUID, *, lock: bool = False
) -> TabularModelRow | None:
    query = select(TabularModelRow).where(
        TabularModelRow.id == model_id, TabularModelRow.project_id == project_id
    )
    if lock:
        query = query.with_for_update()
    return session.scalar(query)


def list_models(session: Session, project_id: uuid.UUID) -> Sequence[TabularModelRow]:
    query = (
        select(TabularModelRow)
        .where(TabularModelRow.project_id == project_id)
        .order_by(TabularModelRow.created_at, TabularModelRow.id)
    )
    return session.scalars(query).all()


def models_training_on(session: Session, dataset_id: uuid.UUID) -> Sequence[TabularModelRow]:
    query = select(TabularModelRow).where(TabularModelRow.training_dataset_id == dataset_id)
    return session.scalars(query).all()
