"""Request bodies are bounded while read, before routes and authentication: 413 in each
dialect's envelope naming the limit; uploads with credentials get the larger upload limit."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from modelyard.api.app import create_app
from modelyard.core.identity.schemas import TokenIssued
from modelyard.settings import Settings

MB = 1024 * 1024
BIG = b'{"name": "' + b"x" * (2 * MB) + b'"}'


@pytest.fixture
def limited(settings: Settings) -> Iterator[TestClient]:
    small = settings.model_copy(update={"max_body_mb": 1, "max_upload_mb": 3})
    with TestClient(create_app(small)) as test_client:
        yield test_client


def chunks(total: int, size: int = 256 * 1024) -> Iterator[bytes]:
    sent = 0
    while sent < total:
        yield b"x" * size
        sent += size


class TestWithoutCredentials:
    @pytest.mark.parametrize(
        ("path", "shape"),
        [
            ("/v2.1/organizations", {"error"}),
            ("/v0/models", {"status", "title", "detail", "type"}),
            ("/leia/1.0.0/login", {"status", "message"}),
            ("/api/models", {"status_code", "detail"}),
            ("/v1/datasets", {"code", "message"}),
        ],
    )
    def test_a_big_body_is_a_413_in_the_dialects_envelope(
        self, limited: TestClient, path: str, shape: set[str]
    ) -> None:
        answer = limited.post(path, content=BIG, headers={"Content-Type": "application/json"})
        assert answer.status_code == 413, answer.text
        assert shape <= set(answer.json())
        assert "limit of 1 MB (MODELYARD_MAX_BODY_MB)" in answer.text

    def test_an_upload_route_without_credentials_gets_the_small_limit_or_a_401_first(
        self, limited: TestClient
    ) -> None:
        url = "/v2.1/projects/default/models/m/versions/v1/upload"
        multipart = limited.put(url, files={"file": ("p.zip", BIG)})
        assert multipart.status_code == 413
        assert "MODELYARD_MAX_BODY_MB" in multipart.text
        raw = limited.post("/leia/1.0.0/document", content=BIG)
        assert raw.status_code == 401  # authenticated before its body is read


class TestWithCredentials:
    def test_a_chunked_body_is_cut_off_at_the_limit_too(
        self, limited: TestClient, admin_token: TokenIssued
    ) -> None:
        answer = limited.post(
            "/v2.1/organizations",
            content=chunks(3 * MB),
            headers={"Authorization": admin_token.token, "Content-Type": "application/json"},
        )
        assert answer.status_code == 413
        assert answer.json()["error"].endswith("limit of 1 MB (MODELYARD_MAX_BODY_MB)")

    def test_an_upload_may_pass_the_json_limit_up_to_the_upload_limit(
        self, limited: TestClient, admin_token: TokenIssued, tmp_path: Path
    ) -> None:
        auth = {"Authorization": admin_token.token}
        url = "/v2.1/projects/default/models/nothing/versions/v1/upload"

        def package(size: int) -> bytes:
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
                archive.writestr("model_package/model.py", "class Model: pass\n")
                archive.writestr("model_package/weights.bin", b"w" * size)
            return buffer.getvalue()

        fits = limited.put(url, files={"file": ("p.zip", package(2 * MB))}, headers=auth)
        assert fits.status_code == 404, fits.text  # read whole, then: no such model
        over = limited.put(url, files={"file": ("p.zip", package(4 * MB))}, headers=auth)
        assert over.status_code == 413
        assert "limit of 3 MB (MODELYARD_MAX_UPLOAD_MB)" in over.json()["error"]
