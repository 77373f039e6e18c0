"""A project's serving at a glance (the dashboard's home page): how many models, versions by
status, and batch requests waiting, in three statements whatever the project's size."""

from __future__ import annotations

from pydantic import BaseModel
from sqlalchemy.orm import Session

from modelyard.core.identity.schemas import ProjectRef
from modelyard.core.jobs.states import JOB_STATUS_OF_UBIOPS
from modelyard.core.serving import batch
from modelyard.core.serving import overview_repository as repo


class ProjectOverview(BaseModel):
    models: int
    versions: dict[str, int]
    """Versions by status (``available``, ``building``, ...); absent statuses are left out."""
    batch_waiting: int
    """Batch requests accepted and not yet started (the API's ``pending``)."""


def project_overview(session: Session, project: ProjectRef) -> ProjectOverview:
    return ProjectOverview(
        models=repo.count_models(session, project.id),
        versions=repo.versions_by_status(session, project.id),
        batch_waiting=repo.count_jobs(
            session, project.id, kind=batch.KIND, statuses=JOB_STATUS_OF_UBIOPS["pending"]
        ),
    )
