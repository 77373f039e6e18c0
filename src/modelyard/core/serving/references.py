"""Who still uses a model or a version: serving asks before deleting one.

Domains above serving that reference models (pipelines) register a ``DeletionGuard`` here by
name when they are imported; serving never imports them. A guard refuses a deletion by raising
a domain error (a 409 naming what uses it).
"""

from __future__ import annotations

import uuid
from typing import Protocol

from sqlalchemy.orm import Session


class DeletionGuard(Protocol):
    """Refuses the deletion of a model or a version that something still uses."""

    def ensure_model_unused(self, session: Session, model_id: uuid.UUID, name: str) -> None:
        """Raise if anything uses any version of the model."""
        ...

    def ensure_version_unused(
        self, session: Session, version_id: uuid.UUID, *, model: str, version: str
    ) -> None:
        """Raise if anything uses the version."""
        ...


_GUARDS: dict[str, DeletionGuard] = {}


def register_guard(name: str, guard: DeletionGuard) -> None:
    """Ask ``guard`` before every deletion of a model or a version (one guard per name)."""
    _GUARDS[name] = guard


def ensure_model_unused(session: Session, model_id: uuid.UUID, name: str) -> None:
    for guard in _GUARDS.values():
        guard.ensure_model_unused(session, model_id, name)


def ensure_version_unused(
    session: Session, version_id: uuid.UUID, *, model: str, version: str
) -> None:
    for guard in _GUARDS.values():
        guard.ensure_version_unused(session, version_id, model=model, version=version)
