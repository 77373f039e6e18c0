"""Who may do what through the Lightly dialect: every principal acts in its home project; a
member without a role reads but may not change or verify; other projects' datasets are unknown."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from modelyard.core.identity import repository as identity_repository
from modelyard.core.identity import service
from modelyard.core.identity.schemas import TokenIssued, UserCreate
from modelyard.db.engine import SessionFactory, transaction
from modelyard.db.tables import AuditLogRow, OrganizationMemberRow
from tests.api.lightly.test_datasets import create


def make_user(sessions: SessionFactory, email: str, *, member_of: str | None = None) -> str:
    with transaction(sessions) as unit:
        user = service.create_user(unit, UserCreate(email=email))
        if member_of is not None:
            organization = identity_repository.get_organization_by_name(unit, member_of)
            assert organization is not None
            unit.add(OrganizationMemberRow(organization_id=organization.id, user_id=user.id))
        return service.issue_token(unit, email).token


@pytest.fixture
def dataset(client: TestClient, admin_token: TokenIssued) -> str:
    return create(client, admin_token.token)


class TestMemberWithoutRole:
    @pytest.fixture
    def member(self, sessions: SessionFactory, dataset: str) -> str:
        return make_user(sessions, "member@example.com", member_of="default")

    def test_reads_the_projects_datasets(
        self, client: TestClient, member: str, dataset: str
    ) -> None:
        response = client.get(f"/v1/datasets/{dataset}/datasource", params={"token": member})
        assert response.status_code == 200, response.text

    @pytest.mark.parametrize(
        ("method", "suffix", "body"),
        [
            ("PUT", "/datasource", {"type": "LOCAL", "fullPath": "/tmp"}),
            ("GET", "/datasource/verify", None),
            ("PUT", "/datasource/processedUntilTimestamp", {"processedUntilTimestamp": 5}),
            ("DELETE", "", {}),
        ],
    )
    def test_may_not_change_or_verify(
        self, client: TestClient, member: str, dataset: str, method: str, suffix: str,
        body: object,
    ) -> None:  # fmt: skip
        url = f"/v1/datasets/{dataset}{suffix}"
        response = client.request(method, url, params={"token": member}, json=body)
        assert response.status_code == 403, response.text
        assert response.json()["code"] == "FORBIDDEN"


class TestOtherProjects:
    def test_a_dataset_of_another_project_is_unknown(
        self, client: TestClient, sessions: SessionFactory, dataset: str
    ) -> None:
        stranger = make_user(sessions, "stranger@example.com")
        response = client.get(f"/v1/datasets/{dataset}", params={"token": stranger})
        assert response.status_code == 404
        assert response.json()["code"] == "DATASET_UNKNOWN"
        assert client.get("/v1/datasets", params={"token": stranger}).json() == []


class TestAudit:
    def test_a_change_made_with_a_query_token_names_its_author(
        self, client: TestClient, sessions: SessionFactory, admin_token: TokenIssued
    ) -> None:
        create(client, admin_token.token)
        deadline = time.monotonic() + 20
        rows: list[AuditLogRow] = []
        while not rows and time.monotonic() < deadline:
            with transaction(sessions) as unit:
                query = select(AuditLogRow).where(AuditLogRow.path == "/v1/datasets")
                rows = list(unit.scalars(query))
                found = [(row.method, row.actor_email, row.status) for row in rows]
            time.sleep(0.2)
        assert found == [("POST", "admin@modelyard.local", 201)]
        assert all(admin_token.token not in row.path for row in rows)
