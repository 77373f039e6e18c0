"""All SQL of environment variables: by id, by scope, and what one model or version can see."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from modelyard.db.tables import EnvironmentVariableRow, ModelRow, ModelVersionRow

Row = EnvironmentVariableRow


def get(session: Session, variable_id: uuid.UUID) -> Row | None:
    return session.get(Row, variable_id)


def get_by_name(session: Session, scope_id: uuid.UUID, name: str) -> Row | None:
    return session.scalar(select(Row).where(Row.scope_id == scope_id, Row.name == name))


def in_scope(session: Session, scope_id: uuid.UUID) -> Sequence[Row]:
    """The variables defined on exactly this project, model or version, by name."""
    return session.scalars(select(Row).where(Row.scope_id == scope_id).order_by(Row.name)).all()


def visible_from(
    session: Session,
    project_id: uuid.UUID,
    *,
    model_id: uuid.UUID | None = None,
    version_id: uuid.UUID | None = None,
) -> Sequence[Row]:
    """Every variable a model (or one of its versions) inherits or defines, shadowed ones too."""
    levels: list[ColumnElement[bool]] = [Row.model_id.is_(None)]
    if model_id is not None:
        levels.append(and_(Row.model_id == model_id, Row.version_id.is_(None)))
    if version_id is not None:
        levels.append(Row.version_id == version_id)
    query = select(Row).where(Row.project_id == project_id, or_(*levels)).order_by(Row.name)
    return session.scalars(query).all()


def versions_under(
    session: Session, project_id: uuid.UUID, *, model_id: uuid.UUID | None = None
) -> Sequence[ModelVersionRow]:
    """The versions of one model, or of every model in a project."""
    query = (
        select(ModelVersionRow)
        .join(ModelRow, ModelRow.id == ModelVersionRow.model_id)
        .where(ModelRow.project_id == project_id)
        .order_by(ModelVersionRow.creation_date)
    )
    if model_id is not None:
        query = query.where(ModelVersionRow.model_id == model_id)
    return session.scalars(query).all()
