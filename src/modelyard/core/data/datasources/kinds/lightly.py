"""``LIGHTLY``: the default of every dataset, no external store to list or verify."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from modelyard.core.data.datasources.errors import DatasourceIllegal
from modelyard.core.data.datasources.kinds.base import Endpoints, Entry, Location, Param
from modelyard.core.data.datasources.schemas import DatasourceSettings


class LightlyKind:
    type = "LIGHTLY"
    params: tuple[Param, ...] = ()

    def check(self, settings: DatasourceSettings) -> DatasourceSettings:
        return DatasourceSettings(
            type=self.type, full_path=settings.full_path.strip(), thumb_suffix=settings.thumb_suffix
        )

    def open(self, full_path: str, values: Mapping[str, str], endpoints: Endpoints) -> Location:
        raise DatasourceIllegal("A LIGHTLY datasource has no external store", field="datasource")

    def read_urls(self, location: Location, names: list[str], expires: int) -> list[str | None]:
        return [None for _ in names]

    def entries(self, location: Location, after: str) -> Iterator[Entry]:
        raise DatasourceIllegal("A LIGHTLY datasource has no external store", field="datasource")
