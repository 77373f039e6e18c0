"""Every artifact store keeps the same promises: exact bytes, exact sizes, clean failures."""

from __future__ import annotations

import io
import os
import tempfile
from pathlib import Path

import pytest

from modelyard.storage import ArtifactStore, StoreNotFound
from modelyard.storage.base import iter_chunks, put_file, staging_dir
from modelyard.storage.local import LocalStore

MIB = 1024 * 1024


class Unseekable(io.RawIOBase):
    """A stream that can only be read forward, like a socket; optionally fails midway."""

    def __init__(self, data: bytes, *, fail_after: int | None = None) -> None:
        super().__init__()
        self._data = io.BytesIO(data)
        self._fail_after = fail_after

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:
        if self._fail_after is not None and self._data.tell() >= self._fail_after:
            raise OSError("connection reset while uploading")
        chunk = self._data.read(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)


def stream_of(data: bytes, *, fail_after: int | None = None) -> io.BufferedReader:
    return io.BufferedReader(Unseekable(data, fail_after=fail_after))


class TestPutAndRead:
    def test_small_object_round_trips_with_its_size(self, store: ArtifactStore) -> None:
        assert store.put("blobs/p/one", io.BytesIO(b"hello blob")) == 10
        assert store.size("blobs/p/one") == 10
        with store.open("blobs/p/one") as stream:
            assert stream.read() == b"hello blob"

    def test_empty_object_is_stored(self, store: ArtifactStore) -> None:
        assert store.put("empty", io.BytesIO(b"")) == 0
        assert store.size("empty") == 0
        with store.open("empty") as stream:
            assert stream.read() == b""

    def test_large_unseekable_stream_is_counted_and_kept_exactly(
        self, store: ArtifactStore
    ) -> None:
        data = os.urandom(17 * MIB + 123)
        assert store.put("big/object.bin", stream_of(data)) == len(data)
        assert store.size("big/object.bin") == len(data)
        with store.open("big/object.bin") as stream:
            assert b"".join(iter_chunks(stream, MIB)) == data

    def test_open_streams_without_reading_everything(self, store: ArtifactStore) -> None:
        data = os.urandom(3 * MIB)
        store.put("partial", io.BytesIO(data))
        with store.open("partial") as stream:
            assert stream.read(16) == data[:16]
            assert stream.read(16) == data[16:32]

    def test_fetch_copies_to_a_local_file(self, store: ArtifactStore, tmp_path: Path) -> None:
        store.put("models/m.zip", io.BytesIO(b"zip bytes"))
        target = tmp_path / "out" / "m.zip"
        target.parent.mkdir()
        assert store.fetch("models/m.zip", target) == target
        assert target.read_bytes() == b"zip bytes"

    def test_failed_upload_leaves_no_object(self, store: ArtifactStore) -> None:
        data = os.urandom(10 * MIB)
        with pytest.raises(OSError, match="connection reset"):
            store.put("broken", stream_of(data, fail_after=9 * MIB))
        with pytest.raises(StoreNotFound):
            store.size("broken")


class TestMissingObjects:
    def test_open_size_and_fetch_raise_store_not_found(
        self, store: ArtifactStore, tmp_path: Path
    ) -> None:
        with pytest.raises(StoreNotFound):
            store.open("nope")
        with pytest.raises(StoreNotFound):
            store.size("nope")
        with pytest.raises(StoreNotFound):
            store.fetch("nope", tmp_path / "nope")

    def test_delete_removes_and_tolerates_repeats(self, store: ArtifactStore) -> None:
        store.put("gone", io.BytesIO(b"x"))
        store.delete("gone")
        with pytest.raises(StoreNotFound):
            store.open("gone")
        store.delete("gone")


class TestKeys:
    @pytest.mark.parametrize("key", ["../escape", "a/../../b", "/absolute", ""])
    def test_keys_that_escape_or_are_empty_are_refused(
        self, store: ArtifactStore, key: str
    ) -> None:
        with pytest.raises(ValueError, match="invalid storage key"):
            store.put(key, io.BytesIO(b"x"))

    def test_keys_are_separate_objects(self, store: ArtifactStore) -> None:
        store.put("a/b", io.BytesIO(b"first"))
        store.put("a/c", io.BytesIO(b"second"))
        with store.open("a/b") as first, store.open("a/c") as second:
            assert (first.read(), second.read()) == (b"first", b"second")


def written(directory: Path | None, data: bytes) -> Path:
    handle, name = tempfile.mkstemp(dir=directory, prefix="upload-")
    with os.fdopen(handle, "wb") as out:
        out.write(data)
    return Path(name)


class TestPutFile:
    def test_a_file_is_stored_whole_and_then_gone(self, store: ArtifactStore) -> None:
        path = written(staging_dir(store), b"a whole file")
        assert put_file(store, "files/one", path) == 12
        assert not path.exists()
        with store.open("files/one") as stream:
            assert stream.read() == b"a whole file"

    def test_a_local_store_takes_a_staged_file_by_rename(self, tmp_path: Path) -> None:
        store = LocalStore(tmp_path / "store")
        path = written(staging_dir(store), b"x" * MIB)
        inode = path.stat().st_ino
        put_file(store, "files/big", path)
        assert (tmp_path / "store" / "files" / "big").stat().st_ino == inode

    @pytest.mark.skipif(not Path("/dev/shm").is_dir(), reason="no second filesystem")
    def test_a_local_store_copies_a_file_from_another_filesystem(self, tmp_path: Path) -> None:
        store = LocalStore(tmp_path / "store")
        path = written(Path("/dev/shm"), b"elsewhere")
        if path.stat().st_dev == store.root.stat().st_dev:
            path.unlink()
            pytest.skip("/dev/shm is on the store's filesystem")
        assert put_file(store, "files/far", path) == 9
        assert not path.exists()
        assert (tmp_path / "store" / "files" / "far").read_bytes() == b"elsewhere"
