"""Record files in an S3 artifact store (a real S3-protocol server on loopback): the download
link serves the exact bytes from the bucket, and deleting the record removes the object."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from modelyard.api.app import create_app
from modelyard.core.identity.schemas import TokenIssued
from modelyard.settings import Settings
from modelyard.storage import open_store
from tests.storage.s3server import moto_server, new_bucket, use_test_credentials
from tests.support.registry import BASE, add_record, bearer, create_model, record_form

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    with moto_server() as endpoint:
        yield endpoint


@pytest.fixture
def s3_url(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    use_test_credentials(monkeypatch, config_dir=str(tmp_path))
    return f"s3://{new_bucket(s3_endpoint)}/registry?endpoint_url={s3_endpoint}"


@pytest.fixture
def s3_client(settings: Settings, s3_url: str) -> Iterator[TestClient]:
    with TestClient(create_app(settings.model_copy(update={"storage_url": s3_url}))) as client:
        yield client


def test_a_file_record_round_trips_through_the_bucket(
    s3_client: TestClient, s3_url: str, admin_token: TokenIssued
) -> None:
    headers = bearer(admin_token.token)
    model = create_model(s3_client, headers)
    payload = bytes(range(256)) * 4096 + b"tail"
    form = record_form("2024-05-01T10:00:00", {"k": 1}, site_name="s")
    files = {"record_file": ("weights.bin", payload, "application/octet-stream")}
    record = add_record(s3_client, headers, model["id"], form, files=files).json()
    store = open_store(s3_url)
    assert store.size(record["record_file"]) == len(payload)
    downloaded = s3_client.get(f"{BASE}/records/id/{record['id']}/download", headers=headers)
    assert downloaded.status_code == 200
    assert downloaded.content == payload
    assert downloaded.headers["content-type"] == "application/octet-stream"
    assert s3_client.delete(f"{BASE}/records/id/{record['id']}", headers=headers).status_code == 204
    with pytest.raises(KeyError):
        store.size(record["record_file"])
