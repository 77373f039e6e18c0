"""The S3 store against a real S3-protocol server: URL options, prefixes, failures."""

from __future__ import annotations

import io
from pathlib import Path
from urllib.parse import urlparse

import pytest
from botocore.exceptions import ClientError, NoCredentialsError

from modelyard.storage import open_store
from modelyard.storage.s3 import S3Store
from tests.storage.s3server import new_bucket, object_keys, use_test_credentials


@pytest.fixture
def credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    use_test_credentials(monkeypatch, config_dir=str(tmp_path))


class TestUrl:
    def test_objects_land_under_the_prefix_of_the_url(self, s3_url: str, s3_endpoint: str) -> None:
        store = open_store(s3_url)
        assert isinstance(store, S3Store)
        store.put("blobs/p1/b1", io.BytesIO(b"data"))
        bucket = urlparse(s3_url).netloc
        assert object_keys(s3_endpoint, bucket) == ["artifacts/v1/blobs/p1/b1"]

    def test_bucket_without_prefix_uses_bare_keys(
        self, s3_endpoint: str, credentials: None
    ) -> None:
        bucket = new_bucket(s3_endpoint)
        store = open_store(f"s3://{bucket}?endpoint_url={s3_endpoint}&region=eu-west-1")
        store.put("k", io.BytesIO(b"v"))
        assert object_keys(s3_endpoint, bucket) == ["k"]

    def test_endpoint_from_the_standard_environment_variable(
        self, s3_endpoint: str, credentials: None, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        bucket = new_bucket(s3_endpoint)
        monkeypatch.setenv("AWS_ENDPOINT_URL_S3", s3_endpoint)
        store = open_store(f"s3://{bucket}/env?addressing_style=path")
        store.put("k", io.BytesIO(b"v"))
        assert object_keys(s3_endpoint, bucket) == ["env/k"]

    @pytest.mark.parametrize(
        ("url", "message"),
        [
            ("s3:///no-bucket", "not an s3://bucket"),
            ("s3://bucket/p?endpoint=http://x", "unknown s3 URL option"),
            ("s3://bucket/p?addressing_style=sideways", "addressing_style must be"),
        ],
    )
    def test_malformed_urls_are_refused_with_the_reason(self, url: str, message: str) -> None:
        with pytest.raises(ValueError, match=message):
            open_store(url)


class TestFailures:
    def test_a_missing_bucket_is_an_error_not_a_missing_object(
        self, s3_endpoint: str, credentials: None
    ) -> None:
        store = open_store(f"s3://no-such-bucket-here/p?endpoint_url={s3_endpoint}")
        with pytest.raises(ClientError):
            store.open("k")

    def test_credentials_come_from_the_environment_not_the_url(
        self, s3_url: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        open_store(s3_url).put("k", io.BytesIO(b"v"))
        monkeypatch.delenv("AWS_ACCESS_KEY_ID")
        monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
        with pytest.raises(NoCredentialsError):
            open_store(s3_url).open("k")
