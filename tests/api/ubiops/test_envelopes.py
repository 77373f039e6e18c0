"""UbiOps dialect over HTTP: status codes, the error envelope, authentication, Content-Type."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from modelyard.core.identity.schemas import TokenIssued


@pytest.fixture
def auth(admin_token: TokenIssued) -> dict[str, str]:
    return {"Authorization": f"Token {admin_token.token}"}


class TestAuthentication:
    def test_status_is_open_and_checks_the_database(self, client: TestClient) -> None:
        response = client.get("/v2.1/status")
        assert response.status_code == 200
        assert response.json() == {"status": "ok"}

    @pytest.mark.parametrize("header", [None, "Token my_wrong", "Token", "Basic a b"])
    def test_missing_or_bad_token_is_401_in_the_envelope(
        self, client: TestClient, admin_token: TokenIssued, header: str | None
    ) -> None:
        headers = {"Authorization": header} if header is not None else {}
        response = client.get("/v2.1/projects", headers=headers)
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/json"
        assert "invalid" in response.json()["error"]

    def test_bare_and_bearer_tokens_are_accepted(
        self, client: TestClient, admin_token: TokenIssued
    ) -> None:
        for header in (admin_token.token, f"Bearer {admin_token.token}"):
            response = client.get("/v2.1/user", headers={"Authorization": header})
            assert response.status_code == 200
            assert response.json()["email"] == "admin@modelyard.local"


class TestErrors:
    def test_missing_field_is_400_naming_it(self, client: TestClient, auth: dict[str, str]) -> None:
        response = client.post("/v2.1/projects", json={"name": "p1"}, headers=auth)
        assert response.status_code == 400
        body = response.json()
        assert body["field"] == "organization_name"
        assert body["error"].startswith("organization_name:")

    def test_mistyped_field_is_400_naming_it(
        self, client: TestClient, auth: dict[str, str]
    ) -> None:
        body = {"name": "acme", "subscription": "free", "subscription_agreed": "maybe"}
        response = client.post("/v2.1/organizations", json=body, headers=auth)
        assert response.status_code == 400
        assert response.json()["field"] == "subscription_agreed"

    def test_broken_json_is_400(self, client: TestClient, auth: dict[str, str]) -> None:
        headers = {**auth, "Content-Type": "application/json"}
        response = client.post("/v2.1/projects", content=b"{nope", headers=headers)
        assert response.status_code == 400
        assert "JSON" in response.json()["error"]

    def test_unknown_route_is_404_in_the_envelope(self, client: TestClient) -> None:
        response = client.get("/v2.1/no-such-thing")
        assert response.status_code == 404
        assert response.json() == {"error": "Not Found"}

    def test_invalid_name_leaves_nothing_behind(
        self, client: TestClient, auth: dict[str, str]
    ) -> None:
        response = client.post(
            "/v2.1/projects",
            json={"name": "Bad_Name", "organization_name": "default"},
            headers=auth,
        )
        assert response.status_code == 400
        assert response.json()["field"] == "name"
        names = [p["name"] for p in client.get("/v2.1/projects", headers=auth).json()]
        assert names == ["default"]

    def test_duplicate_project_is_409(self, client: TestClient, auth: dict[str, str]) -> None:
        body = {"name": "default", "organization_name": "default"}
        response = client.post("/v2.1/projects", json=body, headers=auth)
        assert response.status_code == 409
        assert "already exists" in response.json()["error"]


class TestProjects:
    def test_create_get_update_delete(self, client: TestClient, auth: dict[str, str]) -> None:
        created = client.post(
            "/v2.1/projects", json={"name": "p1", "organization_name": "default"}, headers=auth
        )
        assert created.status_code == 201
        assert created.json()["creation_date"].endswith("Z")
        renamed = client.patch("/v2.1/projects/p1", json={"name": "p2"}, headers=auth)
        assert renamed.json()["name"] == "p2"
        assert renamed.json()["id"] == created.json()["id"]
        deleted = client.delete("/v2.1/projects/p2", headers=auth)
        assert deleted.status_code == 204
        assert deleted.headers["content-type"] == "application/json"
        assert deleted.content == b""
        assert client.get("/v2.1/projects/p2", headers=auth).status_code == 404
