"""``POST /v2.1/authorize`` over HTTP: the sign-in's answers, its envelope and its limits."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from modelyard.core.identity.schemas import TokenIssued
from modelyard.settings import Settings

PASSWORD = "Passw0rd!"
WRONG = {"error": "The email or password is wrong"}


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        signin_failures_per_email=2,
        signin_failures_per_address=4,
    )


@pytest.fixture
def ann(client: TestClient, admin_token: TokenIssued) -> str:
    body = {"email": "ann@example.com", "password": PASSWORD, "terms_conditions": True}
    auth = {"Authorization": f"Token {admin_token.token}"}
    assert client.post("/v2.1/user", json=body, headers=auth).status_code == 201
    return "ann@example.com"


def authorize(
    client: TestClient, email: str, password: str
) -> tuple[int, dict[str, str], dict[str, Any]]:
    response = client.post("/v2.1/authorize", json={"email": email, "password": password})
    assert response.headers["content-type"] == "application/json"
    return response.status_code, dict(response.headers), response.json()


class TestSignIn:
    def test_answers_an_access_token_that_works_as_bearer(
        self, client: TestClient, ann: str
    ) -> None:
        status, _, body = authorize(client, ann, PASSWORD)
        assert status == 200
        assert list(body) == ["access"]
        me = client.get("/v2.1/user", headers={"Authorization": f"Bearer {body['access']}"})
        assert me.status_code == 200
        assert me.json()["email"] == ann

    @pytest.mark.parametrize(
        ("email", "password"), [("ann@example.com", "wrong"), ("nobody@example.com", PASSWORD)]
    )
    def test_a_wrong_password_or_unknown_email_is_one_401(
        self, client: TestClient, ann: str, email: str, password: str
    ) -> None:
        status, headers, body = authorize(client, email, password)
        assert (status, body) == (401, WRONG)
        assert headers["www-authenticate"] == "Token"

    @pytest.mark.parametrize(
        "body", [{}, {"email": "a@b.c"}, {"email": "a" * 300, "password": "x"}]
    )
    def test_a_malformed_body_is_400_naming_the_field(
        self, client: TestClient, body: dict[str, str]
    ) -> None:
        response = client.post("/v2.1/authorize", json=body)
        assert response.status_code == 400
        assert response.json()["field"] in ("email", "password")


class TestLimits:
    def test_an_email_past_its_limit_is_429_with_retry_after(
        self, client: TestClient, ann: str
    ) -> None:
        assert [authorize(client, ann, "wrong")[0] for _ in range(2)] == [401, 401]
        status, headers, body = authorize(client, ann, PASSWORD)
        assert status == 429
        assert body["error"].startswith("Too many failed sign-ins")
        assert 0 < int(headers["retry-after"]) <= 900

    def test_an_address_past_its_limit_is_429_for_any_email(
        self, client: TestClient, ann: str
    ) -> None:
        statuses = [authorize(client, f"u{n}@example.com", "x")[0] for n in range(4)]
        assert statuses == [401] * 4
        assert authorize(client, ann, PASSWORD)[0] == 429
