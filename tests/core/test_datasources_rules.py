"""The pure parts of datasources: configuration checks per type, cursors and windows,
modification times as each store reports them, reasons without secrets."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from fsspec.implementations.local import LocalFileSystem

from modelyard.core.data.datasources.errors import DatasourceCredentialsRefused, DatasourceInvalid
from modelyard.core.data.datasources.kinds import find_kind
from modelyard.core.data.datasources.kinds.base import Location
from modelyard.core.data.datasources.listing import (
    PAGE_SIZE,
    Window,
    decode_cursor,
    encode_cursor,
    files,
    modified_seconds,
    page,
)
from modelyard.core.data.datasources.reasons import describe
from modelyard.core.data.datasources.schemas import DatasourceSettings
from modelyard.core.data.datasources.verify import verify
from modelyard.errors import InvalidInput
from modelyard.settings import Settings

S3_VALUES = {"region": "eu-west-1", "access_key_id": "AKID", "secret_access_key": "s3cr3t"}


def check(kind: str, path: str, values: dict[str, str] | None = None) -> DatasourceSettings:
    settings = DatasourceSettings(type=kind, full_path=path, values=values or {})
    return find_kind(kind).check(settings)


class TestConfigurations:
    def test_s3_paths_are_normalized(self) -> None:
        assert check("S3", "s3://bucket/a/b/", S3_VALUES).full_path == "s3://bucket/a/b"

    @pytest.mark.parametrize(
        ("kind", "path", "field"),
        [
            ("S3", "bucket/a", "fullPath"),
            ("S3", "s3://Bad_Bucket/a", "fullPath"),
            ("S3", "s3://bucket/../a", "fullPath"),
            ("GCS", "s3://bucket/a", "fullPath"),
            ("LOCAL", "relative/dir", "fullPath"),
            ("LOCAL", "/data/../etc", "fullPath"),
            ("OBS", "obs://bucket", "type"),
        ],
    )
    def test_bad_paths_and_types_name_the_field(self, kind: str, path: str, field: str) -> None:
        with pytest.raises(DatasourceInvalid) as caught:
            check(kind, path, S3_VALUES)
        assert caught.value.field == field

    @pytest.mark.parametrize("missing", ["region", "access_key_id", "secret_access_key"])
    def test_every_s3_field_is_required(self, missing: str) -> None:
        values = {k: v for k, v in S3_VALUES.items() if k != missing}
        with pytest.raises(DatasourceInvalid, match="required"):
            check("S3", "s3://bucket/a", values)

    def test_gcs_and_azure_accept_their_schemes(self) -> None:
        gcs = check("GCS", "gs://bucket/x", {"project_id": "p", "credentials": "{}"})
        assert gcs.full_path == "gs://bucket/x"
        azure = check("AZURE", "azure://container/x", {"account_name": "a", "account_key": "k"})
        assert azure.full_path == "azure://container/x"


class TestCursors:
    def test_a_cursor_carries_the_window(self) -> None:
        window = Window(10, 20, "img 1 +#%ü.jpg")
        assert decode_cursor(encode_cursor(window)) == window

    @pytest.mark.parametrize("cursor", ["", "garbage!", "eyJmcm9tIjogIngifQ=="])
    def test_a_foreign_cursor_is_refused(self, cursor: str) -> None:
        with pytest.raises(InvalidInput) as caught:
            decode_cursor(cursor)
        assert caught.value.field == "cursor"

    def test_pages_cover_the_window_once(self) -> None:
        listed = [(f"f{i:04d}", i) for i in range(PAGE_SIZE * 2 + 5)]
        window, seen = Window(3, None), []
        while True:
            names, window, more = page(listed, window)
            seen += names
            if not more:
                break
        assert seen == [name for name, stamp in listed if stamp >= 3]


class TestModificationTimes:
    moment = datetime(2020, 1, 1, tzinfo=UTC)

    @pytest.mark.parametrize(
        "info",
        [
            {"mtime": 1577836800.7},
            {"LastModified": moment},
            {"last_modified": moment},
            {"updated": "2020-01-01T00:00:00.000Z"},
        ],
    )
    def test_each_store_s_field_is_read(self, info: dict[str, object]) -> None:
        assert modified_seconds(info) == 1577836800


class TestReasons:
    def test_secrets_are_cut_out(self) -> None:
        reason = describe(PermissionError("key s3cr3t was refused"), ("s3cr3t",))
        assert "s3cr3t" not in reason
        assert reason.startswith("PermissionError: key")


class TestEndpointSettings:
    def test_the_s3_endpoint_comes_from_either_variable(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.delenv("MODELYARD_S3_ENDPOINT_URL", raising=False)
        monkeypatch.setenv("AWS_ENDPOINT_URL_S3", "http://127.0.0.1:9000")
        assert Settings().s3_endpoint_url == "http://127.0.0.1:9000"
        monkeypatch.setenv("MODELYARD_S3_ENDPOINT_URL", "http://127.0.0.1:9001")
        assert Settings().s3_endpoint_url == "http://127.0.0.1:9001"


class ReadOnlyFileSystem(LocalFileSystem):  # type: ignore[misc]
    """A store that refuses writes, as a read-only bucket does (root ignores file modes)."""

    def pipe_file(self, path: str, value: bytes, **kwargs: object) -> None:
        raise PermissionError("this store is read-only")


class TestVerifyReadOnly:
    def test_a_read_only_store_reads_but_does_not_write(self, tmp_path: Path) -> None:
        (tmp_path / "a.jpg").write_bytes(b"data")
        location = Location(
            ReadOnlyFileSystem(skip_instance_cache=True), str(tmp_path), str(tmp_path)
        )
        result = verify(location)
        assert (result.can_list, result.can_read, result.can_write) == (True, True, False)
        assert result.can_overwrite is False
        assert "read-only" in result.errors["canWrite"]
        assert set(result.errors) == {"canWrite", "canOverwrite"}

    def test_an_empty_read_only_store_has_nothing_to_read(self, tmp_path: Path) -> None:
        location = Location(
            ReadOnlyFileSystem(skip_instance_cache=True), str(tmp_path), str(tmp_path)
        )
        result = verify(location)
        assert result.can_read is False
        assert "no file" in result.errors["canRead"]


class RefusingFileSystem(LocalFileSystem):  # type: ignore[misc]
    """A store that refuses the credentials it was given."""

    def find(self, path: str, **kwargs: object) -> dict[str, object]:
        raise PermissionError("InvalidAccessKeyId for key s3cr3t")


class TestListingFailures:
    def test_refused_credentials_are_their_own_error_without_the_secret(
        self, tmp_path: Path
    ) -> None:
        location = Location(
            RefusingFileSystem(skip_instance_cache=True), str(tmp_path), str(tmp_path), ("s3cr3t",)
        )
        with pytest.raises(DatasourceCredentialsRefused) as caught:
            files(location)
        assert "InvalidAccessKeyId" in caught.value.message
        assert "s3cr3t" not in caught.value.message
