"""Whether pipelines still use a model or a version: a deletion guard registered on serving.

Serving asks its registered guards before deleting a model or a version; this one answers for
pipelines, so serving never imports pipelines. The package registers it on import.
"""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from modelyard.core.pipelines import repository as repo
from modelyard.core.pipelines.errors import in_use
from modelyard.core.serving.references import register_guard


class PipelineReferences:
    """Refuses to delete a model or a version that pipeline objects reference."""

    def ensure_model_unused(self, session: Session, model_id: uuid.UUID, name: str) -> None:
        """409 naming the pipeline objects that reference any version of the model."""
        users = repo.objects_using(session, model_id=model_id)
        if users:
            raise in_use(f"Model '{name}'", users, field="model_name")

    def ensure_version_unused(
        self, session: Session, version_id: uuid.UUID, *, model: str, version: str
    ) -> None:
        """409 naming the pipeline objects that reference the version."""
        users = repo.objects_using(session, version_id=version_id)
        if users:
            raise in_use(f"Version '{version}' of model '{model}'", users, field="version")


def register() -> None:
    register_guard("pipelines", PipelineReferences())
