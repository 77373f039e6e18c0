"""``LOCAL``: a directory on the server's own disk, served back through signed modelyard URLs."""

from __future__ import annotations

import posixpath
from collections.abc import Iterator, Mapping

from fsspec.implementations.local import LocalFileSystem

from modelyard.core.data.datasources.errors import invalid_config
from modelyard.core.data.datasources.kinds.base import Endpoints, Entry, Location, Param
from modelyard.core.data.datasources.kinds.walk import walk_after
from modelyard.core.data.datasources.schemas import DatasourceSettings


class LocalKind:
    type = "LOCAL"
    params: tuple[Param, ...] = ()

    def check(self, settings: DatasourceSettings) -> DatasourceSettings:
        path = settings.full_path.strip()
        if path.startswith("file://"):
            path = path[len("file://") :]
        if not path.startswith("/"):
            raise invalid_config("fullPath", "must be an absolute directory on the server")
        if "\x00" in path or ".." in path.split("/"):
            raise invalid_config("fullPath", "must not hold '..' segments")
        normalized = posixpath.normpath(path)
        return DatasourceSettings(
            type=self.type, full_path=normalized, thumb_suffix=settings.thumb_suffix
        )

    def open(self, full_path: str, values: Mapping[str, str], endpoints: Endpoints) -> Location:
        root = full_path.rstrip("/") or "/"
        return Location(LocalFileSystem(), root, root)

    def read_urls(self, location: Location, names: list[str], expires: int) -> list[str | None]:
        return [None for _ in names]

    def entries(self, location: Location, after: str) -> Iterator[Entry]:
        return walk_after(location.root, after)
