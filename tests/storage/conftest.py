"""Fixtures of the storage tests: every store, local and S3, behind the same interface."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from modelyard.storage import ArtifactStore, open_store
from tests.storage.s3server import moto_server, new_bucket, use_test_credentials


@pytest.fixture(scope="package")
def s3_endpoint() -> Iterator[str]:
    with moto_server() as endpoint:
        yield endpoint


@pytest.fixture
def s3_url(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    """A fresh bucket, as the URL a user would configure (prefix and endpoint included)."""
    use_test_credentials(monkeypatch, config_dir=str(tmp_path))
    return f"s3://{new_bucket(s3_endpoint)}/artifacts/v1?endpoint_url={s3_endpoint}"


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> ArtifactStore:
    if request.param == "local":
        return open_store(str(tmp_path / "artifacts"))
    url: str = request.getfixturevalue("s3_url")
    return open_store(url)
