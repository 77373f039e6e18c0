"""The pure parts of datasources: configuration checks per type, cursors and windows, pages
over entries, the sorted walk of a directory from a cursor, modification times as each store
reports them, reasons without secrets."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fsspec.implementations.local import LocalFileSystem

from modelyard.core.data.datasources.errors import DatasourceCredentialsRefused, DatasourceInvalid
from modelyard.core.data.datasources.kinds import find_kind, walk
from modelyard.core.data.datasources.kinds.base import Entry, Location
from modelyard.core.data.datasources.kinds.common import modified_seconds
from modelyard.core.data.datasources.kinds.walk import Listings, walk_after
from modelyard.core.data.datasources.listing import (
    PAGE_SIZE,
    Window,
    decode_cursor,
    encode_cursor,
    guarded,
    page,
    tally,
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
        listed = [Entry(f"f{i:04d}", i, 1) for i in range(PAGE_SIZE * 2 + 5)]
        window, seen = Window(3, None), []
        while True:
            names, window, more = page(iter(listed), window)
            seen += names
            if not more:
                break
        assert seen == [entry.name for entry in listed if entry.modified >= 3]

    def test_a_page_with_one_more_after_it_says_so_and_one_without_does_not(self) -> None:
        full = [Entry(f"f{i:04d}", 0, 1) for i in range(PAGE_SIZE)]
        names, window, more = page(iter(full), Window())
        assert (len(names), window.after, more) == (PAGE_SIZE, full[-1].name, False)
        names, window, more = page(iter([*full, Entry("g", 0, 1)]), Window())
        assert (len(names), window.after, more) == (PAGE_SIZE, full[-1].name, True)

    def test_names_not_after_the_cursor_are_skipped(self) -> None:
        """A store that ignores where to start (an emulator) repeats nothing."""
        listed = [Entry(name, 0, 1) for name in ("a", "b", "c", "d")]
        names, _, more = page(iter(listed), Window(after="b"))
        assert (names, more) == (["c", "d"], False)

    def test_a_narrow_window_stops_after_the_scan_limit_and_resumes_past_it(self) -> None:
        listed = [Entry(f"f{i:04d}", 5 if i in (3, 40) else 0, 1) for i in range(50)]
        window, seen, pages = Window(5, 5), [], 0
        while True:
            names, window, more = page(iter(listed), window, scan_limit=10)
            seen, pages = seen + names, pages + 1
            assert len(names) <= 1
            if not more:
                break
            listed = [entry for entry in listed if entry.name > window.after]
        assert seen == ["f0003", "f0040"]
        assert pages == 6  # five of ten looked at, then an empty last one

    def test_a_tally_counts_files_and_bytes(self) -> None:
        assert tally(iter([Entry("a", 0, 3), Entry("b", 0, 4)])) == (2, 7)
        assert tally(iter([])) == (0, 0)


class TestSortedWalk:
    TREE = (
        "a!", "a-b/x.jpg", "a.b", "a/x.jpg", "a/y/z.jpg", "a/y-/q.jpg", "a/y.jpg", "ab",
        "b/c/d/e.jpg", "b/c.jpg", "ü.jpg", "z/", "zz/empty/",
    )  # fmt: skip

    @pytest.fixture
    def tree(self, tmp_path: Path) -> Path:
        for name in self.TREE:
            path = tmp_path / name
            if name.endswith("/"):
                path.mkdir(parents=True, exist_ok=True)
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(name.encode())
        return tmp_path

    def files(self) -> list[str]:
        return sorted(name for name in self.TREE if not name.endswith("/"))

    def test_the_walk_is_in_code_point_order_of_the_whole_path(self, tree: Path) -> None:
        walked = list(walk_after(str(tree), ""))
        assert [entry.name for entry in walked] == self.files()
        assert all(entry.size == len(entry.name.encode()) for entry in walked)

    @pytest.mark.parametrize(
        "after", ["a", "a-", "a-b/x.jpg", "a/", "a/y", "a/y/", "a/y/z.jpg", "a/y-", "b", "b/c/",
                  "b/c/d/e.jpg", "c", "ü.jpg", "zzz"]
    )  # fmt: skip
    def test_a_walk_from_a_cursor_lists_exactly_the_names_after_it(
        self, tree: Path, after: str
    ) -> None:
        walked = [entry.name for entry in walk_after(str(tree), after)]
        assert walked == [name for name in self.files() if name > after]

    def test_a_missing_root_raises_and_a_directory_removed_meanwhile_is_passed_over(
        self, tree: Path
    ) -> None:
        with pytest.raises(FileNotFoundError):
            list(walk_after(str(tree / "nowhere"), ""))
        walk = walk_after(str(tree), "")
        assert next(walk).name == "a!"
        (tree / "a-b" / "x.jpg").unlink()
        (tree / "a-b").rmdir()
        assert "a-b/x.jpg" not in [entry.name for entry in walk]


class TestKeptListings:
    """Big directories are read and sorted once while they stay unchanged."""

    @pytest.fixture
    def big(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
        monkeypatch.setattr(walk, "KEPT_FROM", 3)
        for name in ("a.jpg", "b.jpg", "d.jpg"):
            (tmp_path / name).write_bytes(b"x")
        return tmp_path

    def settle(self, directory: Path) -> None:
        os.utime(directory, (1_600_000_000, 1_600_000_000))

    def names(self, directory: Path, listings: Listings, after: str = "") -> list[str]:
        return [entry.name for entry in walk_after(str(directory), after, listings)]

    def test_a_settled_big_directory_is_kept_and_a_change_is_seen(self, big: Path) -> None:
        self.settle(big)
        listings = Listings()
        assert self.names(big, listings) == ["a.jpg", "b.jpg", "d.jpg"]
        status = os.stat(big)
        stamp = (status.st_dev, status.st_ino, status.st_mtime_ns)
        assert listings.get(str(big), stamp) == ["a.jpg", "b.jpg", "d.jpg"]
        (big / "c.jpg").write_bytes(b"x")
        (big / "a.jpg").unlink()
        assert self.names(big, listings, "a.jpg") == ["b.jpg", "c.jpg", "d.jpg"]

    def test_a_directory_changed_just_now_is_not_kept(self, big: Path) -> None:
        listings = Listings()
        assert self.names(big, listings) == ["a.jpg", "b.jpg", "d.jpg"]
        status = os.stat(big)
        stamp = (status.st_dev, status.st_ino, status.st_mtime_ns)
        assert listings.get(str(big), stamp) is None

    def test_small_directories_are_not_kept_and_the_oldest_goes_first(self) -> None:
        listings = Listings(capacity=4)
        listings.put("/one", (1, 1, 1), ["a", "b"])
        listings.put("/two", (1, 2, 1), ["a", "b"])
        assert listings.get("/one", (1, 1, 1)) == ["a", "b"]
        listings.put("/three", (1, 3, 1), ["a"])
        assert listings.get("/two", (1, 2, 1)) is None
        assert listings.get("/one", (1, 1, 1)) == ["a", "b"]
        assert listings.get("/one", (1, 1, 2)) is None, "another stamp: changed since"
        listings.put("/huge", (1, 4, 1), ["a"] * 5)
        assert listings.get("/huge", (1, 4, 1)) is None


class TestModificationTimes:
    moment = datetime(2020, 1, 1, tzinfo=UTC)

    @pytest.mark.parametrize("value", [1577836800.7, moment, "2020-01-01T00:00:00.000Z"])
    def test_each_store_s_field_is_read(self, value: object) -> None:
        assert modified_seconds(value) == 1577836800

    def test_a_time_the_store_does_not_give_is_zero(self) -> None:
        assert modified_seconds(None) == 0


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


def refusing() -> Iterator[Entry]:
    """A store that refuses the credentials it was given."""
    raise PermissionError("InvalidAccessKeyId for key s3cr3t")
    yield  # pragma: no cover


def failing() -> Iterator[Entry]:
    yield Entry("a", 0, 1)
    raise ConnectionError("connection to s3cr3t.example reset")


class TestListingFailures:
    def test_refused_credentials_are_their_own_error_without_the_secret(self) -> None:
        with pytest.raises(DatasourceCredentialsRefused) as caught:
            list(guarded(refusing(), ("s3cr3t",)))
        assert "InvalidAccessKeyId" in caught.value.message
        assert "s3cr3t" not in caught.value.message

    def test_a_store_failing_mid_listing_is_unreachable_without_the_secret(self) -> None:
        with pytest.raises(DatasourceInvalid) as caught:
            list(guarded(failing(), ("s3cr3t",)))
        assert not isinstance(caught.value, DatasourceCredentialsRefused)
        assert "connection to [secret].example reset" in caught.value.message
