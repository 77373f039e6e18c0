"""The Lightly dialect's datasources over HTTP, on a LOCAL directory: configuration without
secrets, verify, listing with signed links, processed-until, errors."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from modelyard.core.identity.schemas import TokenIssued
from modelyard.settings import Settings
from tests.api.lightly.test_datasets import create

NAMES = ["a.jpg", "with space.jpg", "plus+sign.png", "hash#tag.jpg", "per%cent.jpg", "ünï.jpg"]


@pytest.fixture
def token(admin_token: TokenIssued) -> str:
    return admin_token.token


@pytest.fixture
def directory(tmp_path: Path) -> Path:
    root = tmp_path / "images"
    (root / "sub").mkdir(parents=True)
    for index, name in enumerate(NAMES):
        (root / name).write_bytes(f"{index}:{name}".encode())
    (root / "sub" / "deep.jpg").write_bytes(b"deep")
    return root


def base(dataset_id: str) -> str:
    return f"/v1/datasets/{dataset_id}/datasource"


def configure(client: TestClient, token: str, dataset_id: str, body: dict[str, object]) -> None:
    response = client.put(base(dataset_id), params={"token": token}, json=body)
    assert response.status_code == 200, response.text


class TestLocal:
    def test_configure_verify_list_and_read(
        self, client: TestClient, token: str, directory: Path
    ) -> None:
        dataset_id = create(client, token)
        configure(client, token, dataset_id, {"type": "LOCAL", "fullPath": str(directory)})
        got = client.get(base(dataset_id), params={"token": token}).json()
        assert got == {"type": "LOCAL", "fullPath": str(directory)}
        verified = client.get(f"{base(dataset_id)}/verify", params={"token": token}).json()
        assert verified == {
            "canRead": True,
            "canWrite": True,
            "canList": True,
            "canOverwrite": True,
            "errors": {},
        }
        assert sorted(os.listdir(directory)) == sorted([*NAMES, "sub"])
        page = client.get(f"{base(dataset_id)}/list", params={"token": token}).json()
        assert page["hasMore"] is False
        assert isinstance(page["cursor"], str)
        assert sorted(row["fileName"] for row in page["data"]) == sorted([*NAMES, "sub/deep.jpg"])
        for row in page["data"]:
            url = urlsplit(row["readUrl"])
            assert url.scheme == "http"
            assert token not in row["readUrl"]
            served = client.get(f"{url.path}?{url.query}" if url.query else url.path)
            assert served.status_code == 200, (row["readUrl"], served.text)
            assert served.content == (directory / row["fileName"]).read_bytes()

    def test_a_missing_directory_is_stored_and_verifies_false(
        self, client: TestClient, token: str, tmp_path: Path
    ) -> None:
        dataset_id = create(client, token)
        missing = tmp_path / "nowhere"
        configure(client, token, dataset_id, {"type": "LOCAL", "fullPath": str(missing)})
        verified = client.get(f"{base(dataset_id)}/verify", params={"token": token}).json()
        assert verified["canList"] is verified["canWrite"] is verified["canRead"] is False
        assert "does not exist" in verified["errors"]["canList"]
        assert set(verified["errors"]) >= {"canList", "canWrite", "canRead", "canOverwrite"}
        assert not missing.exists()

    def test_a_relative_path_is_400(self, client: TestClient, token: str) -> None:
        dataset_id = create(client, token)
        body = {"type": "LOCAL", "fullPath": "relative/dir"}
        response = client.put(base(dataset_id), params={"token": token}, json=body)
        assert response.status_code == 400
        assert response.json()["code"] == "DATASET_DATASOURCE_INVALID"
        assert "fullPath" in response.json()["message"]
        assert client.get(base(dataset_id), params={"token": token}).json()["type"] == "LIGHTLY"


class TestProcessedUntil:
    def test_zero_until_set_then_round_trips(self, client: TestClient, token: str) -> None:
        dataset_id = create(client, token)
        url = f"{base(dataset_id)}/processedUntilTimestamp"
        assert client.get(url, params={"token": token}).json() == {"processedUntilTimestamp": 0}
        body = {"processedUntilTimestamp": 1577836800}
        assert client.put(url, params={"token": token}, json=body).status_code == 200
        assert client.get(url, params={"token": token}).json() == body

    @pytest.mark.parametrize(
        "body", [{}, {"processedUntilTimestamp": "soon"}, {"processedUntilTimestamp": 1.5}]
    )
    def test_a_missing_or_non_integer_value_is_400_and_changes_nothing(
        self, client: TestClient, token: str, body: dict[str, object]
    ) -> None:
        dataset_id = create(client, token)
        url = f"{base(dataset_id)}/processedUntilTimestamp"
        client.put(url, params={"token": token}, json={"processedUntilTimestamp": 7})
        response = client.put(url, params={"token": token}, json=body)
        assert response.status_code == 400
        assert response.json()["code"] == "BAD_REQUEST"
        assert client.get(url, params={"token": token}).json() == {"processedUntilTimestamp": 7}

    def test_an_unknown_dataset_is_404(self, client: TestClient, token: str) -> None:
        response = client.get(f"{base('0' * 24)}/processedUntilTimestamp", params={"token": token})
        assert response.status_code == 404
        assert response.json()["code"] == "DATASET_UNKNOWN"


class TestConfigurationErrors:
    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"type": "S3", "fullPath": "s3://bucket/x"}, "s3Region"),
            ({"type": "S3", "fullPath": "s3://bucket/x", "s3Region": "moon-1"}, "s3Region"),
            ({"type": "GCS", "fullPath": "gs://bucket/x", "gcsProjectId": "p"}, "gcsCredentials"),
            ({"type": "AZURE", "fullPath": "azure://box/x", "accountName": "a"}, "accountKey"),
            ({"type": "FTP", "fullPath": "ftp://host/x"}, "type"),
            ({"fullPath": "/data"}, "type"),
        ],
    )
    def test_bad_configurations_are_400_naming_the_field_and_change_nothing(
        self, client: TestClient, token: str, body: dict[str, object], field: str
    ) -> None:
        dataset_id = create(client, token)
        response = client.put(base(dataset_id), params={"token": token}, json=body)
        assert response.status_code == 400, response.text
        assert field in response.json()["message"]
        assert client.get(base(dataset_id), params={"token": token}).json() == {
            "type": "LIGHTLY",
            "fullPath": "",
        }

    def test_a_body_that_is_not_json_is_400(self, client: TestClient, token: str) -> None:
        dataset_id = create(client, token)
        response = client.put(
            base(dataset_id),
            params={"token": token},
            content=b"{not json",
            headers={"Content-Type": "application/json"},
        )
        assert response.status_code == 400
        assert response.json()["code"] == "MALFORMED_REQUEST"


class TestListingErrors:
    def test_a_dataset_without_a_datasource_has_nothing_to_list(
        self, client: TestClient, token: str
    ) -> None:
        dataset_id = create(client, token)
        response = client.get(f"{base(dataset_id)}/list", params={"token": token})
        assert response.status_code == 400
        assert response.json()["code"] == "DATASET_DATASOURCE_ILLEGAL_ACTION"

    @pytest.mark.parametrize(
        "params", [{"cursor": "forged"}, {"from": "yesterday"}, {"from": 20, "to": 10}]
    )
    def test_bad_cursors_and_windows_are_400(
        self, client: TestClient, token: str, directory: Path, params: dict[str, str | int]
    ) -> None:
        dataset_id = create(client, token)
        configure(client, token, dataset_id, {"type": "LOCAL", "fullPath": str(directory)})
        response = client.get(f"{base(dataset_id)}/list", params={"token": token, **params})
        assert response.status_code == 400, response.text
        assert response.json()["code"] == "BAD_REQUEST"

    def test_a_forged_link_is_refused(self, client: TestClient, token: str) -> None:
        response = client.get("/v1/datasources/files/gAAAAABforged")
        assert response.status_code == 404
        assert response.json()["code"] == "NOT_FOUND"

    def test_the_servers_own_data_directory_is_refused(
        self, client: TestClient, token: str, settings: Settings
    ) -> None:
        dataset_id = create(client, token)
        body = {"type": "LOCAL", "fullPath": str(settings.data_dir.resolve())}
        response = client.put(base(dataset_id), params={"token": token}, json=body)
        assert response.status_code == 400
        assert "data directory" in response.json()["message"]
