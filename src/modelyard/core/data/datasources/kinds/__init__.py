"""The registry of datasource types, by the name Lightly gives as ``type``.

A new type is a module with a class that fits ``DatasourceKind``, registered here.
"""

from __future__ import annotations

from modelyard.core.data.datasources.errors import invalid_config
from modelyard.core.data.datasources.kinds.azure import AzureKind
from modelyard.core.data.datasources.kinds.base import DatasourceKind
from modelyard.core.data.datasources.kinds.gcs import GCSKind
from modelyard.core.data.datasources.kinds.lightly import LightlyKind
from modelyard.core.data.datasources.kinds.local import LocalKind
from modelyard.core.data.datasources.kinds.s3 import S3Kind

_REGISTRY: dict[str, DatasourceKind] = {}


def register(kind: DatasourceKind) -> None:
    _REGISTRY[kind.type] = kind


def find_kind(name: str) -> DatasourceKind:
    """The type called ``name``; a 400 naming the known ones otherwise."""
    kind = _REGISTRY.get(name)
    if kind is None:
        known = ", ".join(sorted(_REGISTRY))
        raise invalid_config("type", f"'{name}' is not a datasource type (one of {known})")
    return kind


for _kind in (LightlyKind(), LocalKind(), S3Kind(), GCSKind(), AzureKind()):
    register(_kind)
