"""Writing items through a connector: what a pipeline does when a connector is a destination.

Structured connectors take one dict per item with the connector's input fields and write one
row each; blob connectors take ``{"blob": <blob id>}`` per item and copy each blob from the
artifact store to ``<path_prefix>/<blob id>/<file name>``. Either all items are written or
none. Everything that goes wrong is a ``ConnectorFailure`` naming the connector, so a caller
has one error to catch. The write happens while the caller's session is open: a pipeline that
must not hold a database connection meanwhile calls this in a short transaction of its own.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from modelyard.core.data import service as blobs
from modelyard.core.data.connectors import repository as repo
from modelyard.core.data.connectors.errors import ConnectorFailure
from modelyard.core.data.connectors.kinds.base import BlobFile, ConnectorError, ConnectorKind
from modelyard.core.data.connectors.verify import kind_of, target_of
from modelyard.core.fields import rules as field_rules
from modelyard.core.fields.schemas import FieldSpec
from modelyard.core.identity.schemas import ProjectRef
from modelyard.core.secrets import SecretBox
from modelyard.errors import InvalidInput
from modelyard.storage import ArtifactStore


def _failure(name: str, reason: str) -> ConnectorFailure:
    return ConnectorFailure(f"Connector '{name}': {reason}", field="connector_name")


def _check_items(name: str, fields: Sequence[FieldSpec], items: Sequence[Any]) -> None:
    for position, item in enumerate(items):
        problems = field_rules.data_problems("structured", list(fields), item, side="item")
        if problems:
            raise _failure(name, f"item {position}: {'; '.join(problems)}")


def _blob_files(
    session: Session,
    store: ArtifactStore,
    project: ProjectRef,
    items: Sequence[Any],
    directory: Path,
) -> list[BlobFile]:
    """Each item's blob copied into ``directory``, keyed ``<blob id>/<file name>``."""
    files = []
    for position, item in enumerate(items):
        where = f"items[{position}].blob"
        path = blobs.fetch_blob_to(
            session, store, project, str(item["blob"]), directory, field=where
        )
        files.append(BlobFile(key=path.relative_to(directory).as_posix(), path=path))
    return files


def _write(kind: ConnectorKind, name: str, write: Callable[[], None]) -> None:
    try:
        write()
    except ConnectorError as exc:
        raise _failure(name, f"{kind.type} refused the write: {exc}") from exc


def deliver(
    session: Session,
    box: SecretBox,
    project: ProjectRef,
    name: str,
    items: list[Any],
    *,
    store: ArtifactStore | None = None,
) -> None:
    """Write ``items`` to the connector's system (all or none); ``store`` is needed by blob
    connectors, to read the blobs from."""
    found = repo.get_connector(session, project.id, name)
    if found is None:
        raise _failure(name, f"no such connector in project '{project.name}'")
    connector, credentials = found
    try:
        kind = kind_of(connector.type)
        target = target_of(connector, credentials, box)
    except ConnectorError as exc:
        raise _failure(name, str(exc)) from exc
    _check_items(name, target.fields, items)
    if not items:
        return
    if kind.input_type != "blob":
        _write(kind, name, lambda: kind.write(target, items))
        return
    if store is None:
        raise _failure(name, "blob connectors need the artifact store to read blobs from")
    with tempfile.TemporaryDirectory(prefix="modelyard-connector-") as directory:
        try:
            files = _blob_files(session, store, project, items, Path(directory))
        except InvalidInput as exc:
            raise _failure(name, exc.message) from exc
        _write(kind, name, lambda: kind.write(target, files))
