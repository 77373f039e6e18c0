"""All SQL of a project's overview: a few counts, each one statement however many models."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from modelyard.db.tables import JobRow, ModelRow, ModelVersionRow


def count_models(session: Session, project_id: uuid.UUID) -> int:
    query = select(func.count()).select_from(ModelRow).where(ModelRow.project_id == project_id)
    return int(session.scalar(query) or 0)


def versions_by_status(session: Session, project_id: uuid.UUID) -> dict[str, int]:
    query = (
        select(ModelVersionRow.status, func.count())
        .join(ModelRow, ModelRow.id == ModelVersionRow.model_id)
        .where(ModelRow.project_id == project_id)
        .group_by(ModelVersionRow.status)
    )
    return {status: count for status, count in session.execute(query).all()}


def count_jobs(
    session: Session, project_id: uuid.UUID, *, kind: str, statuses: Sequence[str]
) -> int:
    query = (
        select(func.count())
        .select_from(JobRow)
        .where(JobRow.status.in_(statuses), JobRow.project_id == project_id, JobRow.kind == kind)
    )
    return int(session.scalar(query) or 0)
