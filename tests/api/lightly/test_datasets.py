"""The Lightly dialect's datasets over HTTP: ids, fields, auth, the error envelope."""

from __future__ import annotations

import re
import time

import pytest
from fastapi.testclient import TestClient

from modelyard.api.lightly.errors import code_of
from modelyard.core.data.datasources.errors import (
    credentials_refused,
    dataset_unknown,
    no_store,
    unreachable,
)
from modelyard.core.identity.schemas import TokenIssued
from modelyard.errors import DomainError

BASE = "/v1/datasets"


def create(client: TestClient, token: str, name: str = "pictures") -> str:
    response = client.post(BASE, params={"token": token}, json={"name": name})
    assert response.status_code == 201, response.text
    dataset_id: str = response.json()["id"]
    return dataset_id


class TestDatasets:
    def test_create_get_list_delete(self, client: TestClient, admin_token: TokenIssued) -> None:
        token = admin_token.token
        dataset_id = create(client, token)
        assert re.fullmatch(r"[0-9a-f]{24}", dataset_id)
        got = client.get(f"{BASE}/{dataset_id}", params={"token": token}).json()
        assert got["id"] == dataset_id
        assert (got["name"], got["type"], got["nSamples"], got["sizeInBytes"]) == (
            "pictures",
            "Images",
            0,
            0,
        )
        assert isinstance(got["createdAt"], int)
        assert abs(got["createdAt"] - time.time()) < 120, "Unix seconds, not milliseconds"
        assert got["createdAt"] <= got["lastModifiedAt"]
        listed = client.get(BASE, params={"token": token}).json()
        assert [d["id"] for d in listed] == [dataset_id]
        deleted = client.request("DELETE", f"{BASE}/{dataset_id}", params={"token": token}, json={})
        assert deleted.status_code == 200
        missing = client.get(f"{BASE}/{dataset_id}", params={"token": token})
        assert missing.status_code == 404
        assert missing.json()["code"] == "DATASET_UNKNOWN"
        assert client.get(BASE, params={"token": token}).json() == []

    def test_a_bearer_token_works_too(self, client: TestClient, admin_token: TokenIssued) -> None:
        headers = {"Authorization": f"Bearer {admin_token.token}"}
        assert client.get(BASE, headers=headers).status_code == 200

    def test_names_are_unique_in_a_project(
        self, client: TestClient, admin_token: TokenIssued
    ) -> None:
        create(client, admin_token.token, "same")
        again = client.post(BASE, params={"token": admin_token.token}, json={"name": "same"})
        assert again.status_code == 409
        assert again.json()["code"] == "DATASET_NAME_EXISTS"


class TestAuthentication:
    def test_no_token_is_401(self, client: TestClient, admin_token: TokenIssued) -> None:
        response = client.get(BASE)
        assert response.status_code == 401
        assert response.json()["code"] == "UNAUTHORIZED"

    def test_a_wrong_token_is_401(self, client: TestClient, admin_token: TokenIssued) -> None:
        response = client.get(BASE, params={"token": "not-a-token"})
        assert response.status_code == 401
        assert set(response.json()) == {"code", "message"}


class TestInvalidInput:
    def test_a_missing_name_is_400(self, client: TestClient, admin_token: TokenIssued) -> None:
        response = client.post(BASE, params={"token": admin_token.token}, json={})
        assert response.status_code == 400
        assert response.json()["code"] == "BAD_REQUEST"
        assert "name" in response.json()["message"]

    def test_an_id_that_is_not_24_hex_is_400(
        self, client: TestClient, admin_token: TokenIssued
    ) -> None:
        response = client.get(f"{BASE}/xyz", params={"token": admin_token.token})
        assert response.status_code == 400
        assert "datasetId" in response.json()["message"]

    def test_an_unknown_type_is_400(self, client: TestClient, admin_token: TokenIssued) -> None:
        body = {"name": "x", "type": "Holograms"}
        response = client.post(BASE, params={"token": admin_token.token}, json=body)
        assert response.status_code == 400
        assert "type" in response.json()["message"]


class TestErrorCodes:
    @pytest.mark.parametrize(
        ("error", "code"),
        [
            (credentials_refused("denied"), "DATASET_DATASOURCE_CREDENTIALS_ERROR"),
            (unreachable("gone"), "DATASET_DATASOURCE_INVALID"),
            (no_store("0" * 24), "DATASET_DATASOURCE_ILLEGAL_ACTION"),
            (dataset_unknown("0" * 24), "DATASET_UNKNOWN"),
        ],
    )
    def test_datasource_errors_have_lightlys_codes(self, error: DomainError, code: str) -> None:
        assert code_of(error) == code
