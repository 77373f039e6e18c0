"""The registry of connector types, by the name users give as ``type``.

A new type is a module with a class that fits ``ConnectorKind``, registered here.
"""

from __future__ import annotations

from modelyard.core.data.connectors.kinds.base import ConnectorKind
from modelyard.core.data.connectors.kinds.mysql import MySQLKind
from modelyard.core.data.connectors.kinds.postgresql import PostgresKind
from modelyard.core.data.connectors.kinds.s3 import S3Kind

_REGISTRY: dict[str, ConnectorKind] = {}


def register(kind: ConnectorKind) -> None:
    _REGISTRY[kind.type] = kind


def find_kind(name: str) -> ConnectorKind | None:
    return _REGISTRY.get(name)


def all_kinds() -> list[ConnectorKind]:
    """Every supported type, by name."""
    return [_REGISTRY[name] for name in sorted(_REGISTRY)]


for _kind in (S3Kind(), PostgresKind(), MySQLKind()):
    register(_kind)
