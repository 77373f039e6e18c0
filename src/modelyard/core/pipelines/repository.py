"""All SQL of the pipelines domain: pipelines, objects, attachments, and pipeline request jobs."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from modelyard.db.tables import (
    JobRow,
    LogRow,
    ModelRow,
    ModelVersionRow,
    PipelineAttachmentRow,
    PipelineObjectRow,
    PipelineRow,
)


@dataclass(frozen=True)
class ObjectWithModel:
    """An object row with the model and version it references (None for a connector)."""

    row: PipelineObjectRow
    model: ModelRow | None
    version: ModelVersionRow | None


def get_pipeline_by_name(session: Session, project_id: uuid.UUID, name: str) -> PipelineRow | None:
    query = select(PipelineRow).where(
        PipelineRow.project_id == project_id, PipelineRow.name == name
    )
    return session.scalar(query)


def list_pipelines(session: Session, project_id: uuid.UUID) -> Sequence[PipelineRow]:
    query = (
        select(PipelineRow).where(PipelineRow.project_id == project_id).order_by(PipelineRow.name)
    )
    return session.scalars(query).all()


def _objects(session: Session, *conditions: ColumnElement[bool]) -> list[ObjectWithModel]:
    query = (
        select(PipelineObjectRow, ModelRow, ModelVersionRow)
        .outerjoin(ModelRow, ModelRow.id == PipelineObjectRow.model_id)
        .outerjoin(ModelVersionRow, ModelVersionRow.id == PipelineObjectRow.version_id)
        .where(*conditions)
        .order_by(PipelineObjectRow.creation_date, PipelineObjectRow.name)
    )
    return [ObjectWithModel(row[0], row[1], row[2]) for row in session.execute(query).all()]


def get_object(session: Session, pipeline_id: uuid.UUID, name: str) -> ObjectWithModel | None:
    found = _objects(
        session, PipelineObjectRow.pipeline_id == pipeline_id, PipelineObjectRow.name == name
    )
    return found[0] if found else None


def list_objects(session: Session, pipeline_id: uuid.UUID) -> list[ObjectWithModel]:
    return _objects(session, PipelineObjectRow.pipeline_id == pipeline_id)


def list_attachments(session: Session, pipeline_id: uuid.UUID) -> Sequence[PipelineAttachmentRow]:
    """Every attachment of a pipeline, oldest first: the order their mappings apply in."""
    query = (
        select(PipelineAttachmentRow)
        .where(PipelineAttachmentRow.pipeline_id == pipeline_id)
        .order_by(PipelineAttachmentRow.creation_date, PipelineAttachmentRow.id)
    )
    return session.scalars(query).all()


def objects_using(
    session: Session, *, model_id: uuid.UUID | None = None, version_id: uuid.UUID | None = None
) -> list[tuple[str, str]]:
    """(pipeline name, object name) of the objects referencing a model or a version."""
    condition = (
        PipelineObjectRow.model_id == model_id
        if model_id is not None
        else PipelineObjectRow.version_id == version_id
    )
    query = (
        select(PipelineRow.name, PipelineObjectRow.name)
        .join(PipelineRow, PipelineRow.id == PipelineObjectRow.pipeline_id)
        .where(condition)
        .order_by(PipelineRow.name, PipelineObjectRow.name)
    )
    return [(row[0], row[1]) for row in session.execute(query).all()]


def connector_objects(session: Session, pipeline_id: uuid.UUID) -> list[str]:
    """The connector names that a pipeline's objects reference (once per object)."""
    query = select(PipelineObjectRow.reference_name).where(
        PipelineObjectRow.pipeline_id == pipeline_id,
        PipelineObjectRow.reference_type == "connector",
    )
    return list(session.scalars(query).all())


def add_log(session: Session, project_id: uuid.UUID, line: str, *, level: str) -> None:
    """A system log line of the project (a connector that failed in a pipeline)."""
    session.add(LogRow(project_id=project_id, log=line, level=level, system=True))
    session.flush()


# -- pipeline request jobs -------------------------------------------------------------------


def job_exists(session: Session, job_id: uuid.UUID) -> bool:
    return session.scalar(select(JobRow.id).where(JobRow.id == job_id)) is not None


def _succeeded() -> ColumnElement[bool]:
    """A pipeline request succeeded: its job did, and so did every object in it."""
    return and_(JobRow.status == "succeeded", JobRow.result["success"].as_boolean().is_(True))


def _failed() -> ColumnElement[bool]:
    return or_(
        JobRow.status.in_(("failed", "cancelled")),
        and_(JobRow.status == "succeeded", JobRow.result["success"].as_boolean().is_not(True)),
    )


STATUS_FILTERS = {
    "pending": lambda: JobRow.status == "queued",
    "processing": lambda: JobRow.status == "running",
    "completed": _succeeded,
    "failed": _failed,
}


def list_jobs(
    session: Session,
    *,
    kind: str,
    pipeline_id: uuid.UUID,
    status: str | None,
    success: bool | None,
    limit: int,
    offset: int,
    newest_first: bool,
) -> Sequence[JobRow]:
    """Pipeline request jobs, filtered by the UbiOps status and success of the request."""
    query = select(JobRow).where(JobRow.kind == kind, JobRow.subject_id == pipeline_id)
    if status is not None:
        query = query.where(STATUS_FILTERS[status]())
    if success is True:
        query = query.where(_succeeded())
    elif success is False:
        query = query.where(~_succeeded())
    order = JobRow.created_at.desc() if newest_first else JobRow.created_at.asc()
    return session.scalars(query.order_by(order, JobRow.id).limit(limit).offset(offset)).all()
