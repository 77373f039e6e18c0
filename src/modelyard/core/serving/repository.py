"""All SQL of the serving domain."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import func, literal, select, update
from sqlalchemy.orm import Session

from modelyard.db.tables import BuildRow, ModelRow, ModelVersionRow
from modelyard.db.types import utcnow


def get_model_by_name(session: Session, project_id: uuid.UUID, name: str) -> ModelRow | None:
    query = select(ModelRow).where(ModelRow.project_id == project_id, ModelRow.name == name)
    return session.scalar(query)


def list_models(session: Session, project_id: uuid.UUID) -> Sequence[ModelRow]:
    query = select(ModelRow).where(ModelRow.project_id == project_id).order_by(ModelRow.name)
    return session.scalars(query).all()


def count_versions(session: Session, model_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, int]:
    if not model_ids:
        return {}
    query = (
        select(ModelVersionRow.model_id, func.count())
        .where(ModelVersionRow.model_id.in_(model_ids))
        .group_by(ModelVersionRow.model_id)
    )
    return {model_id: count for model_id, count in session.execute(query).all()}


def get_version_by_name(
    session: Session, model_id: uuid.UUID, version: str
) -> ModelVersionRow | None:
    query = select(ModelVersionRow).where(
        ModelVersionRow.model_id == model_id, ModelVersionRow.version == version
    )
    return session.scalar(query)


def get_version(session: Session, version_id: uuid.UUID) -> ModelVersionRow | None:
    return session.get(ModelVersionRow, version_id)


def list_versions(session: Session, model_id: uuid.UUID) -> Sequence[ModelVersionRow]:
    query = (
        select(ModelVersionRow)
        .where(ModelVersionRow.model_id == model_id)
        .order_by(ModelVersionRow.creation_date)
    )
    return session.scalars(query).all()


def package_keys(session: Session, model_id: uuid.UUID) -> list[str]:
    query = select(ModelVersionRow.package_key).where(
        ModelVersionRow.model_id == model_id, ModelVersionRow.package_key.is_not(None)
    )
    return [key for key in session.scalars(query).all() if key]


def latest_build(session: Session, version_id: uuid.UUID) -> BuildRow | None:
    query = (
        select(BuildRow)
        .where(BuildRow.version_id == version_id)
        .order_by(BuildRow.created_at.desc())
        .limit(1)
    )
    return session.scalar(query)


ANY_QUEUED_BUILD = select(literal(1)).where(BuildRow.status == "queued").limit(1)
"""Whether any build waits: what an idle builder asks before it claims."""


def claim_next_build(session: Session) -> BuildRow | None:
    """Take the oldest queued build, so that one builder thread owns it."""
    candidate = session.scalar(
        select(BuildRow.id)
        .where(BuildRow.status == "queued")
        .order_by(BuildRow.created_at)
        .limit(1)
    )
    if candidate is None:
        return None
    claimed = session.execute(
        update(BuildRow)
        .where(BuildRow.id == candidate, BuildRow.status == "queued")
        .values(status="running", started_at=utcnow())
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return None
    return session.get(BuildRow, candidate)


def requeue_interrupted_builds(session: Session) -> int:
    """Builds left running by a process that died go back to the queue."""
    result = session.execute(
        update(BuildRow)
        .where(BuildRow.status == "running")
        .values(status="queued", started_at=None)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def succeeded_build(session: Session, version_id: uuid.UUID, revision: int) -> BuildRow | None:
    """The newest successful build of a revision: what instances of it run with."""
    query = (
        select(BuildRow)
        .where(
            BuildRow.version_id == version_id,
            BuildRow.revision == revision,
            BuildRow.status == "succeeded",
        )
        .order_by(BuildRow.finished_at.desc())
        .limit(1)
    )
    return session.scalar(query)


def version_ids_in_project(session: Session, project_id: uuid.UUID) -> list[uuid.UUID]:
    query = (
        select(ModelVersionRow.id)
        .join(ModelRow, ModelRow.id == ModelVersionRow.model_id)
        .where(ModelRow.project_id == project_id)
    )
    return list(session.scalars(query).all())


def warm_version_ids(session: Session) -> list[uuid.UUID]:
    """Available versions that keep instances running even without requests."""
    query = select(ModelVersionRow.id).where(
        ModelVersionRow.status == "available", ModelVersionRow.minimum_instances > 0
    )
    return list(session.scalars(query).all())
