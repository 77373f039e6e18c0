"""UbiOps credentials and connectors over HTTP: statuses, envelopes and who may see them."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from modelyard.core.identity import service as identity
from modelyard.core.identity.schemas import TokenIssued, UserCreate
from modelyard.db.engine import SessionFactory, transaction

CREDENTIALS = "/v2.1/projects/default/credentials"
CONNECTORS = "/v2.1/projects/default/connectors"
PG = {"host": "127.0.0.1", "username": "postgres", "password": "pw", "database": "test"}


@pytest.fixture
def auth(admin_token: TokenIssued) -> dict[str, str]:
    return {"Authorization": f"Token {admin_token.token}"}


def post(client: TestClient, url: str, auth: dict[str, str], body: Any) -> Any:
    return client.post(url, json=body, headers=auth)


class TestEnvelopes:
    def test_the_configuration_list_needs_a_token(self, client: TestClient) -> None:
        response = client.get("/v2.1/config/connectors")
        assert response.status_code == 401
        assert "error" in response.json()

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"name": "c", "type": "postgresql"}, "configuration"),
            ({"name": "c", "type": "postgresql", "configuration": "host=x"}, "configuration"),
            (
                {"name": "c", "type": "postgresql", "configuration": PG | {"port": "0"}},
                "configuration.port",
            ),
        ],
    )
    def test_malformed_bodies_are_400_naming_the_field(
        self, client: TestClient, auth: dict[str, str], body: dict[str, Any], field: str
    ) -> None:
        response = post(client, CREDENTIALS, auth, body)
        assert response.status_code == 400
        assert response.json()["field"] == field
        assert client.get(CREDENTIALS, headers=auth).json() == []

    def test_created_is_201_and_a_duplicate_409(
        self, client: TestClient, auth: dict[str, str]
    ) -> None:
        body = {"name": "pg", "type": "postgresql", "configuration": PG}
        first = post(client, CREDENTIALS, auth, body)
        assert first.status_code == 201
        assert first.json()["configuration"]["password"] is None
        assert post(client, CREDENTIALS, auth, body).status_code == 409

    def test_unknown_names_are_404(self, client: TestClient, auth: dict[str, str]) -> None:
        for url in (f"{CREDENTIALS}/nothing", f"{CONNECTORS}/nothing"):
            response = client.get(url, headers=auth)
            assert response.status_code == 404
            assert "nothing" in response.json()["error"]

    def test_a_delete_is_204_with_a_content_type(
        self, client: TestClient, auth: dict[str, str]
    ) -> None:
        post(client, CREDENTIALS, auth, {"name": "pg", "type": "postgresql", "configuration": PG})
        response = client.delete(f"{CREDENTIALS}/pg", headers=auth)
        assert response.status_code == 204
        assert response.headers["content-type"] == "application/json"


class TestAccess:
    def test_a_stranger_sees_no_credentials_of_the_project(
        self, client: TestClient, auth: dict[str, str], sessions: SessionFactory
    ) -> None:
        post(client, CREDENTIALS, auth, {"name": "pg", "type": "postgresql", "configuration": PG})
        with transaction(sessions) as unit:
            identity.create_user(unit, UserCreate(email="stranger@example.com"))
            issued = identity.issue_token(unit, "stranger@example.com")
        stranger = {"Authorization": f"Token {issued.token}"}
        assert client.get(f"{CREDENTIALS}/pg", headers=stranger).status_code == 404
        assert client.get(CONNECTORS, headers=stranger).status_code == 404
