"""What a connector type is: its parameters, and how it checks and writes to its system."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from modelyard.core.fields.schemas import FieldSpec

CONNECT_TIMEOUT = 10
"""Seconds to wait for an outside system to answer before calling it unreachable."""


class ConnectorError(Exception):
    """The outside system refused or could not be reached; the message says why, for a user."""


@dataclass(frozen=True)
class Param:
    """One configuration parameter of credentials or of a connector.

    ``default`` None makes the parameter required; ``protected`` ones are sealed at rest and
    never shown again. ``regex`` must match the whole value.
    """

    parameter: str
    name: str
    description: str
    regex: str
    default: str | None = None
    protected: bool = False
    input_field: str = "text"
    hint: str | None = None
    """What a valid value looks like, in words, for error messages."""


@dataclass(frozen=True)
class BlobFile:
    """A file to write to a blob store: ``key`` below the configured prefix, ``path`` on disk."""

    key: str
    path: Path


@dataclass(frozen=True)
class Target:
    """Everything a type needs to reach its system: plain credentials and connector settings."""

    credentials: Mapping[str, str]
    configuration: Mapping[str, str] = field(default_factory=dict)
    fields: Sequence[FieldSpec] = ()


class ConnectorKind(Protocol):
    """A supported connector type. ``input_type`` is ``structured`` (rows) or ``blob`` (files).

    Every method raises ``ConnectorError`` when the system says no or cannot be reached.
    ``write`` takes dicts with the connector's fields (structured) or ``BlobFile``s (blob) and
    writes all of them or none.
    """

    type: str
    input_type: str
    description: str
    credentials_params: tuple[Param, ...]
    connector_params: tuple[Param, ...]

    def check_credentials(self, credentials: Mapping[str, str]) -> None: ...

    def check_target(self, target: Target) -> None: ...

    def write(self, target: Target, items: Sequence[Any]) -> None: ...
