"""Finding a model and a version by name in a project, or saying which is missing (below both
``service`` and ``environment``, which need them)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from modelyard.core.identity.schemas import ProjectRef
from modelyard.core.serving import repository as repo
from modelyard.core.serving.errors import model_not_found, version_not_found
from modelyard.db.tables import ModelRow, ModelVersionRow


def get_model_row(session: Session, project: ProjectRef, name: str) -> ModelRow:
    model = repo.get_model_by_name(session, project.id, name)
    if model is None:
        raise model_not_found(name)
    return model


def get_version_rows(
    session: Session, project: ProjectRef, model_name: str, version: str
) -> tuple[ModelRow, ModelVersionRow]:
    model = get_model_row(session, project, model_name)
    row = repo.get_version_by_name(session, model.id, version)
    if row is None:
        raise version_not_found(model_name, version)
    return model, row
