"""UbiOps blobs over HTTP: multipart upload, the ``blob-ttl`` header, listing, raw downloads."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest
from fastapi.testclient import TestClient

from modelyard.api.app import create_app
from modelyard.core.identity import service as identity
from modelyard.core.identity.schemas import TokenIssued, UserCreate
from modelyard.db.engine import SessionFactory, transaction
from modelyard.settings import Settings
from tests.storage.s3server import moto_server, new_bucket, object_keys, use_test_credentials

BLOBS = "/v2.1/projects/default/blobs"


@pytest.fixture
def auth(admin_token: TokenIssued) -> dict[str, str]:
    return {"Authorization": f"Token {admin_token.token}"}


@pytest.fixture
def stranger(sessions: SessionFactory, admin_token: TokenIssued) -> dict[str, str]:
    """A user of the same server who is no member of the default organization."""
    with transaction(sessions) as unit:
        identity.create_user(unit, UserCreate(email="stranger@example.com"))
        issued = identity.issue_token(unit, "stranger@example.com")
    return {"Authorization": f"Token {issued.token}"}


def upload(
    client: TestClient,
    auth: dict[str, str],
    data: bytes = b"blob content",
    *,
    filename: str = "input.bin",
    ttl: str | None = None,
) -> dict[str, object]:
    headers = {**auth, **({"blob-ttl": ttl} if ttl is not None else {})}
    response = client.post(BLOBS, files={"file": (filename, data)}, headers=headers)
    assert response.status_code == 201, response.text
    body: dict[str, object] = response.json()
    return body


class TestCreate:
    def test_returns_the_blob_list_fields(self, client: TestClient, auth: dict[str, str]) -> None:
        body = upload(client, auth, b"x" * 3439, filename="original.jpg", ttl="3600")
        assert set(body) == {"id", "creation_date", "filename", "size", "ttl"}
        assert (body["filename"], body["size"], body["ttl"]) == ("original.jpg", 3439, 3600)
        assert str(body["creation_date"]).endswith("Z")

    def test_ttl_defaults_to_three_days(self, client: TestClient, auth: dict[str, str]) -> None:
        assert upload(client, auth)["ttl"] == 259200

    @pytest.mark.parametrize("ttl", ["abc", "0", "-1", "2592001", "1.5"])
    def test_bad_ttl_is_400_naming_the_header(
        self, client: TestClient, auth: dict[str, str], ttl: str
    ) -> None:
        response = client.post(
            BLOBS, files={"file": ("a.txt", b"a")}, headers={**auth, "blob-ttl": ttl}
        )
        assert response.status_code == 400
        assert response.json()["field"] == "blob-ttl"
        assert client.get(BLOBS, headers=auth).json() == []

    def test_missing_file_is_400_naming_it(self, client: TestClient, auth: dict[str, str]) -> None:
        response = client.post(BLOBS, data={"other": "x"}, headers=auth)
        assert response.status_code == 400
        assert response.json()["field"] == "file"

    def test_without_token_is_401(self, client: TestClient, admin_token: TokenIssued) -> None:
        response = client.post(BLOBS, files={"file": ("a.txt", b"a")})
        assert response.status_code == 401


class TestList:
    def test_range_and_creation_date(self, client: TestClient, auth: dict[str, str]) -> None:
        ids = [upload(client, auth, filename=f"{n}.txt")["id"] for n in range(3)]
        assert [b["id"] for b in client.get(BLOBS, headers=auth).json()] == ids
        newest = client.get(BLOBS, params={"range": -1}, headers=auth).json()
        assert [b["id"] for b in newest] == ids[-1:]
        oldest = client.get(BLOBS, params={"range": 2}, headers=auth).json()
        assert [b["id"] for b in oldest] == ids[:2]
        before_all = client.get(
            BLOBS, params={"range": -5, "creation_date": "2000-01-01 00:00:00"}, headers=auth
        )
        assert before_all.json() == []
        after = client.get(
            BLOBS, params={"range": 5, "creation_date": "2000-01-01 00:00:00"}, headers=auth
        )
        assert [b["id"] for b in after.json()] == ids

    @pytest.mark.parametrize(
        ("params", "field"),
        [
            ({"creation_date": "yesterday"}, "creation_date"),
            ({"range": "many"}, "range"),
            ({"range": "0"}, "range"),
        ],
    )
    def test_bad_query_is_400_naming_the_parameter(
        self, client: TestClient, auth: dict[str, str], params: dict[str, str], field: str
    ) -> None:
        response = client.get(BLOBS, params=params, headers=auth)
        assert response.status_code == 400
        assert response.json()["field"] == field


class TestDownload:
    def test_raw_bytes_with_exact_length_and_name(
        self, client: TestClient, auth: dict[str, str]
    ) -> None:
        data = os.urandom(3 * 1024 * 1024 + 7)
        blob = upload(client, auth, data, filename="weights.bin")
        response = client.get(f"{BLOBS}/{blob['id']}", headers=auth)
        assert response.status_code == 200
        assert response.content == data
        assert response.headers["content-type"] == "application/octet-stream"
        assert response.headers["content-length"] == str(len(data))
        assert response.headers["content-disposition"] == 'attachment; filename="weights.bin"'

    def test_non_ascii_names_survive_in_the_header(
        self, client: TestClient, auth: dict[str, str]
    ) -> None:
        blob = upload(client, auth, filename="résumé.pdf")
        response = client.get(f"{BLOBS}/{blob['id']}", headers=auth)
        assert response.headers["content-disposition"] == (
            "attachment; filename=\"resume.pdf\"; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf"
        )

    def test_unknown_blob_is_404_in_the_envelope(
        self, client: TestClient, auth: dict[str, str]
    ) -> None:
        response = client.get(f"{BLOBS}/00000000-0000-0000-0000-000000000000", headers=auth)
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/json"
        assert "was not found" in response.json()["error"]


class TestDelete:
    def test_204_with_content_type_then_gone(
        self, client: TestClient, auth: dict[str, str]
    ) -> None:
        blob = upload(client, auth)
        deleted = client.delete(f"{BLOBS}/{blob['id']}", headers=auth)
        assert deleted.status_code == 204
        assert deleted.headers["content-type"] == "application/json"
        assert deleted.content == b""
        assert client.get(f"{BLOBS}/{blob['id']}", headers=auth).status_code == 404
        assert client.delete(f"{BLOBS}/{blob['id']}", headers=auth).status_code == 404


class TestVisibility:
    def test_another_users_project_is_404_for_every_call(
        self, client: TestClient, auth: dict[str, str], stranger: dict[str, str]
    ) -> None:
        blob = upload(client, auth)
        responses = [
            client.get(BLOBS, headers=stranger),
            client.post(BLOBS, files={"file": ("a", b"a")}, headers=stranger),
            client.get(f"{BLOBS}/{blob['id']}", headers=stranger),
            client.delete(f"{BLOBS}/{blob['id']}", headers=stranger),
        ]
        assert [r.status_code for r in responses] == [404, 404, 404, 404]
        assert client.get(f"{BLOBS}/{blob['id']}", headers=auth).status_code == 200


class TestS3Storage:
    """The server stores blobs in the bucket its ``storage_url`` names."""

    @pytest.fixture
    def s3_settings(
        self,
        database_url: str,
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
    ) -> Iterator[Settings]:
        with moto_server() as endpoint:
            use_test_credentials(monkeypatch, config_dir=str(tmp_path))
            bucket = new_bucket(endpoint)
            yield Settings(
                data_dir=tmp_path / "data",
                database_url=database_url,
                storage_url=f"s3://{bucket}/modelyard?endpoint_url={endpoint}",
            )

    def test_upload_lands_in_the_bucket_and_downloads_back(
        self, s3_settings: Settings, auth: dict[str, str]
    ) -> None:
        assert s3_settings.storage_url is not None
        parsed = urlparse(s3_settings.storage_url)
        endpoint = parsed.query.removeprefix("endpoint_url=")
        with TestClient(create_app(s3_settings)) as s3_client:
            blob = upload(s3_client, auth, b"in the bucket")
            keys = object_keys(endpoint, parsed.netloc)
            assert len(keys) == 1
            assert keys[0].startswith("modelyard/blobs/")
            assert keys[0].endswith(str(blob["id"]))
            assert s3_client.get(f"{BLOBS}/{blob['id']}", headers=auth).content == b"in the bucket"
            assert s3_client.delete(f"{BLOBS}/{blob['id']}", headers=auth).status_code == 204
            assert object_keys(endpoint, parsed.netloc) == []
