"""The Alchemite token endpoint and bearer tokens: grants, OAuth2 errors, 401 envelopes."""

from __future__ import annotations

import base64

import pytest
from fastapi.testclient import TestClient

from modelyard.core.identity import service as identity
from modelyard.core.identity.schemas import TokenIssued, UserCreate
from modelyard.db.engine import SessionFactory, transaction

TOKEN = "/v0/auth/realms/master/protocol/openid-connect/token"


def basic(client_id: str, secret: str) -> dict[str, str]:
    raw = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {raw}"}


def client_credentials(client: TestClient, secret: str) -> dict[str, object]:
    response = client.post(
        TOKEN, data={"grant_type": "client_credentials"}, headers=basic("modelyard", secret)
    )
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


class TestVersion:
    def test_is_open_and_has_string_fields(self, client: TestClient) -> None:
        body = client.get("/v0/version").json()
        assert set(body) == {"APIDefinitionVersion", "APIApplicationVersion", "AlchemiteVersion"}
        assert all(isinstance(v, str) for v in body.values())


class TestClientCredentials:
    def test_answers_what_the_client_needs(
        self, client: TestClient, admin_token: TokenIssued
    ) -> None:
        body = client_credentials(client, admin_token.token)
        assert body["token_type"] == "Bearer"
        assert isinstance(body["expires_in"], int)
        assert body["expires_in"] > 10
        assert body["access_token"] != admin_token.token
        listed = client.get(
            "/v0/models", headers={"Authorization": f"Bearer {body['access_token']}"}
        )
        assert listed.status_code == 200
        assert listed.json() == []

    def test_a_wrong_secret_is_401_invalid_client(self, client: TestClient) -> None:
        response = client.post(
            TOKEN, data={"grant_type": "client_credentials"}, headers=basic("modelyard", "nope")
        )
        assert response.status_code == 401
        assert response.json()["error"] == "invalid_client"

    def test_another_client_id_is_401_invalid_client(
        self, client: TestClient, admin_token: TokenIssued
    ) -> None:
        response = client.post(
            TOKEN,
            data={"grant_type": "client_credentials"},
            headers=basic("PythonClient", admin_token.token),
        )
        assert response.status_code == 401
        assert response.json()["error"] == "invalid_client"

    def test_an_unknown_grant_is_400(self, client: TestClient) -> None:
        response = client.post(TOKEN, data={"grant_type": "implicit"})
        assert response.status_code == 400
        assert response.json()["error"] == "unsupported_grant_type"


class TestRefresh:
    def test_a_refresh_token_gives_a_new_pair_once(
        self, client: TestClient, admin_token: TokenIssued
    ) -> None:
        first = client_credentials(client, admin_token.token)
        form = {
            "grant_type": "refresh_token",
            "client_id": "modelyard",
            "refresh_token": str(first["refresh_token"]),
        }
        second = client.post(TOKEN, data=form)
        assert second.status_code == 200
        assert second.json()["access_token"] != first["access_token"]
        again = client.post(TOKEN, data=form)
        assert again.status_code == 400
        assert again.json()["error"] == "invalid_grant"

    def test_a_refresh_token_is_not_a_bearer_token(
        self, client: TestClient, admin_token: TokenIssued
    ) -> None:
        refresh = client_credentials(client, admin_token.token)["refresh_token"]
        response = client.get("/v0/models", headers={"Authorization": f"Bearer {refresh}"})
        assert response.status_code == 401

    def test_an_unknown_refresh_token_is_invalid_grant(self, client: TestClient) -> None:
        response = client.post(
            TOKEN,
            data={"grant_type": "refresh_token", "client_id": "modelyard", "refresh_token": "x"},
        )
        assert response.status_code == 400
        assert response.json()["error"] == "invalid_grant"

    def test_an_access_token_is_not_a_refresh_token(
        self, client: TestClient, admin_token: TokenIssued
    ) -> None:
        first = client_credentials(client, admin_token.token)
        response = client.post(
            TOKEN,
            data={"grant_type": "refresh_token", "refresh_token": str(first["access_token"])},
        )
        assert response.json()["error"] == "invalid_grant"


class TestPassword:
    @pytest.fixture
    def user(self, sessions: SessionFactory, admin_token: TokenIssued) -> str:
        with transaction(sessions) as session:
            identity.create_user(
                session, UserCreate(email="ada@example.com", password="correct horse 1A!")
            )
        return "ada@example.com"

    def test_the_right_password_gives_tokens(self, client: TestClient, user: str) -> None:
        response = client.post(
            TOKEN,
            data={
                "grant_type": "password",
                "client_id": "modelyard",
                "username": user,
                "password": "correct horse 1A!",
            },
        )
        assert response.status_code == 200, response.text
        token = response.json()["access_token"]
        assert (
            client.get("/v0/models", headers={"Authorization": f"Bearer {token}"}).status_code
            == 200
        )

    def test_a_wrong_password_is_refused(self, client: TestClient, user: str) -> None:
        response = client.post(
            TOKEN, data={"grant_type": "password", "username": user, "password": "wrong"}
        )
        assert response.status_code == 401
        assert response.json()["error"] == "invalid_grant"


class TestBearer:
    @pytest.mark.parametrize("header", [None, "Bearer forged-token", "Token something", "Bearer "])
    def test_missing_or_forged_is_401_in_the_envelope(
        self, client: TestClient, admin_token: TokenIssued, header: str | None
    ) -> None:
        headers = {"Authorization": header} if header is not None else {}
        response = client.get("/v0/models", headers=headers)
        assert response.status_code == 401
        body = response.json()
        assert body["status"] == 401
        assert body["title"] == "Unauthorized"
        assert body["detail"]
        assert body["type"]
