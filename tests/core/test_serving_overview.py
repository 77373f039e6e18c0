"""A project's overview (the dashboard's home page counts) on a real database."""

from __future__ import annotations

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from modelyard.core.identity import service as identity
from modelyard.core.identity.schemas import ProjectCreate, ProjectRef, TokenIssued
from modelyard.core.jobs import service as jobs
from modelyard.core.serving import batch, overview, service
from modelyard.core.serving.schemas import ModelCreate, VersionCreate
from modelyard.db.tables import JobRow, ModelVersionRow


@pytest.fixture
def project(session: Session, admin_token: TokenIssued) -> ProjectRef:
    principal = identity.authenticate(session, admin_token.token)
    return identity.project_scope(session, principal, "default")


def plain(name: str) -> ModelCreate:
    return ModelCreate(name=name, input_type="plain", output_type="plain")


class TestProjectOverview:
    def test_an_empty_project_counts_nothing(self, session: Session, project: ProjectRef) -> None:
        found = overview.project_overview(session, project)
        assert (found.models, found.versions, found.batch_waiting) == (0, {}, 0)

    def test_models_versions_by_status_and_waiting_batch_requests(
        self, session: Session, project: ProjectRef
    ) -> None:
        for name in ("a", "b"):
            service.create_model(session, project, plain(name))
            for version in ("v1", "v2"):
                created = service.create_version(
                    session, project, name, VersionCreate(version=version)
                )
        session.execute(
            update(ModelVersionRow)
            .where(ModelVersionRow.id == created.id)
            .values(status="available")
        )
        queued = jobs.enqueue(
            session,
            kind=batch.KIND,
            project_id=project.id,
            subject_id=created.id,
            payloads=[{"data": "x"}, {"data": "y"}, {"data": "z"}],
        )
        session.execute(update(JobRow).where(JobRow.id == queued[0].id).values(status="running"))

        found = overview.project_overview(session, project)
        assert found.models == 2
        assert found.versions == {"initialised": 3, "available": 1}
        assert found.batch_waiting == 2

    def test_another_projects_models_and_requests_are_not_counted(
        self, session: Session, project: ProjectRef, admin_token: TokenIssued
    ) -> None:
        principal = identity.authenticate(session, admin_token.token)
        identity.create_project(
            session, principal, ProjectCreate(name="other", organization_name="default")
        )
        other = identity.project_scope(session, principal, "other")
        service.create_model(session, other, plain("elsewhere"))
        service.create_version(session, other, "elsewhere", VersionCreate(version="v1"))
        assert overview.project_overview(session, project).models == 0
        assert overview.project_overview(session, other).versions == {"initialised": 1}
