"""A local directory as artifact store: the default on one machine."""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
from pathlib import Path
from typing import BinaryIO

from modelyard.storage.base import StoreNotFound, iter_chunks

STAGING = ".staging"
"""Under the root: files written to be moved in whole (``move_in``), so the move is a rename."""


class LocalStore:
    """Objects as files under ``root``; writes land atomically (temp file, then rename)."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.root.mkdir(parents=True, exist_ok=True)
        self.staging = self.root / STAGING

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root) or path == self.root:
            raise ValueError(f"invalid storage key '{key}'")
        return path

    def put(self, key: str, source: BinaryIO) -> int:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        written = 0
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".part-")
        try:
            with os.fdopen(handle, "wb") as target:
                for chunk in iter_chunks(source):
                    target.write(chunk)
                    written += len(chunk)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return written

    def move_in(self, key: str, path: Path) -> int:
        """Take the file at ``path`` as the object ``key``: a rename on the same filesystem
        (no copy), else a copy, after which ``path`` is removed."""
        target = self._path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        size = path.stat().st_size
        try:
            os.replace(path, target)
        except OSError as exc:
            if exc.errno != errno.EXDEV:
                raise
            with path.open("rb") as source:
                self.put(key, source)
            path.unlink()
        return size

    def open(self, key: str) -> BinaryIO:
        try:
            return self._path(key).open("rb")
        except FileNotFoundError as exc:
            raise StoreNotFound(key) from exc

    def size(self, key: str) -> int:
        try:
            return self._path(key).stat().st_size
        except FileNotFoundError as exc:
            raise StoreNotFound(key) from exc

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def fetch(self, key: str, destination: Path) -> Path:
        try:
            shutil.copyfile(self._path(key), destination)
        except FileNotFoundError as exc:
            raise StoreNotFound(key) from exc
        return destination


def from_url(url: str) -> LocalStore:
    """The store for a plain path or a ``file://`` URL."""
    return LocalStore(Path(url.removeprefix("file://")))
