"""All SQL of the documents domain. Listings load one project's (or one application's) rows;
tag, text and sort filters are applied by the service in Python, the same on every backend."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from modelyard.db.tables import DocumentJobRow, DocumentModelRow, DocumentRow


def _uuid(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def get_document(session: Session, project_id: uuid.UUID, document_id: str) -> DocumentRow | None:
    key = _uuid(document_id)
    row = None if key is None else session.get(DocumentRow, key)
    return row if row is not None and row.project_id == project_id else None


def list_documents(session: Session, application_id: uuid.UUID) -> Sequence[DocumentRow]:
    query = select(DocumentRow).where(DocumentRow.application_id == application_id)
    return session.scalars(query.order_by(DocumentRow.created_at, DocumentRow.id)).all()


def get_model(session: Session, project_id: uuid.UUID, model_id: str) -> DocumentModelRow | None:
    """By id, else by short name (the Leia routes accept either)."""
    key = _uuid(model_id)
    row = None if key is None else session.get(DocumentModelRow, key)
    if row is not None and row.project_id == project_id:
        return row
    query = select(DocumentModelRow).where(
        DocumentModelRow.project_id == project_id, DocumentModelRow.short_name == model_id
    )
    return session.scalars(query.order_by(DocumentModelRow.created_at.desc())).first()


def list_models(session: Session, project_id: uuid.UUID) -> Sequence[DocumentModelRow]:
    query = select(DocumentModelRow).where(DocumentModelRow.project_id == project_id)
    return session.scalars(query.order_by(DocumentModelRow.created_at, DocumentModelRow.id)).all()


def short_name_taken(
    session: Session, project_id: uuid.UUID, short_name: str, but: uuid.UUID | None
) -> bool:
    query = select(DocumentModelRow.id).where(
        DocumentModelRow.project_id == project_id, DocumentModelRow.short_name == short_name
    )
    return any(found != but for found in session.scalars(query))


def newest_with_module(
    session: Session, project_id: uuid.UUID, model_module: str
) -> DocumentModelRow | None:
    query = select(DocumentModelRow).where(
        DocumentModelRow.project_id == project_id, DocumentModelRow.model_module == model_module
    )
    return session.scalars(query.order_by(DocumentModelRow.created_at.desc())).first()


def get_job(session: Session, job_id: str, *, lock: bool = False) -> DocumentJobRow | None:
    key = _uuid(job_id)
    if key is None:
        return None
    if lock:
        query = select(DocumentJobRow).where(DocumentJobRow.id == key).with_for_update()
        return session.scalars(query.execution_options(populate_existing=True)).first()
    return session.get(DocumentJobRow, key)


def list_jobs(session: Session, application_id: uuid.UUID) -> Sequence[DocumentJobRow]:
    query = select(DocumentJobRow).where(DocumentJobRow.application_id == application_id)
    return session.scalars(query.order_by(DocumentJobRow.created_at, DocumentJobRow.id)).all()


def dependents(session: Session, job_id: uuid.UUID) -> Sequence[DocumentJobRow]:
    """Jobs chained after ``job_id`` that have not started."""
    query = select(DocumentJobRow).where(
        DocumentJobRow.execute_after_id == job_id,
        DocumentJobRow.status.in_(("BLOCKED", "WAITING")),
    )
    return session.scalars(query.with_for_update()).all()


def claim_status(
    session: Session, job_id: uuid.UUID, *, expected: Sequence[str], status: str, now: datetime
) -> bool:
    """Move a job to ``status`` only from one of ``expected`` (a compare-and-set)."""
    result = session.execute(
        update(DocumentJobRow)
        .where(DocumentJobRow.id == job_id, DocumentJobRow.status.in_(expected))
        .values(status=status, started_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


def stranded(session: Session) -> Sequence[DocumentJobRow]:
    """Jobs that were queued or started: candidates to check against their queue row."""
    query = select(DocumentJobRow).where(
        DocumentJobRow.status.in_(("READY", "STARTING", "LOADING_MODEL", "PROCESSING"))
    )
    return session.scalars(query.with_for_update()).all()
