"""Direct requests: check the input, run the model on an instance, check the output.

The database is touched in two short transactions (before and after the model runs), never
while the model runs, so a slow model holds no connection.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from modelyard.core.data import service as blobs
from modelyard.core.data.errors import unknown_blob_input
from modelyard.core.identity.schemas import ProjectRef
from modelyard.core.serving import rules
from modelyard.core.serving.schemas import FieldSpec, RequestResult
from modelyard.db.tables import ModelRow, ModelVersionRow
from modelyard.errors import NotFound
from modelyard.runtime import RequestOutcome
from modelyard.storage import ArtifactStore

DEFAULT_BLOB_TTL = 259200
IDS_PER_READ = 256


class _RequestIds:
    """Random (version 4) UUIDs, as ``uuid.uuid4`` makes them, from one read of the system's
    randomness per ``IDS_PER_READ``: every direct request takes one, and each read lets go of
    the GIL, which the server's other threads may then hold for a while."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._random = b""
        self._at = 0
        os.register_at_fork(after_in_child=self._forget)  # a child must not repeat its parent's

    def next(self) -> str:
        with self._lock:
            if self._at >= len(self._random):
                self._random, self._at = os.urandom(16 * IDS_PER_READ), 0
            raw = self._random[self._at : self._at + 16]
            self._at += 16
        return str(uuid.UUID(bytes=raw, version=4))

    def _forget(self) -> None:
        self._lock = threading.Lock()
        self._random, self._at = b"", 0


new_request_id = _RequestIds().next


@dataclass(frozen=True)
class Scratch:
    """Where a version's request files go: its scratch directory, which its sandbox sees, and
    how to give a new folder there to the uid its instances run as."""

    root: Path
    hand_over: Callable[[Path], None]


@dataclass(frozen=True)
class PreparedRequest:
    """A checked request, ready to run outside any transaction."""

    request_id: str
    version_id: uuid.UUID
    data: Any
    output_type: str
    output_fields: list[FieldSpec]
    scratch: Path | None

    def clean_up(self) -> None:
        """Remove the local copies of input blobs, if any were made."""
        if self.scratch is not None:
            shutil.rmtree(self.scratch, ignore_errors=True)


def prepare_checked(
    session: Session,
    store: ArtifactStore,
    project: ProjectRef,
    model: ModelRow,
    row: ModelVersionRow,
    data: Any,
    *,
    scratch: Callable[[], Scratch],
    fetch_blobs: bool = True,
) -> PreparedRequest:
    """Input already checked: fetch its blobs to a scratch directory (or, with
    ``fetch_blobs`` false, only check that they exist; see ``prepare_input``)."""
    return prepare_input(
        session,
        store,
        project,
        scratch=scratch,
        version_id=row.id,
        inputs=fields_of(model.input_fields),
        output_type=model.output_type,
        outputs=fields_of(model.output_fields),
        data=data,
        fetch_blobs=fetch_blobs,
    )


def fields_of(specs: list[dict[str, Any]]) -> tuple[FieldSpec, ...]:
    """A model's stored input or output fields, checked."""
    return tuple(FieldSpec.model_validate(spec) for spec in specs)


def prepare_input(
    session: Session | None,
    store: ArtifactStore,
    project: ProjectRef,
    *,
    scratch: Callable[[], Scratch],
    version_id: uuid.UUID,
    inputs: tuple[FieldSpec, ...],
    output_type: str,
    outputs: tuple[FieldSpec, ...],
    data: Any,
    fetch_blobs: bool = True,
) -> PreparedRequest:
    """A checked input made ready to run: blob ids become local files (only then is a
    scratch directory asked for and made, keeping the common request free of file system
    work). The files go under the version's ``scratch`` directory, owned by its instances'
    uid. With ``fetch_blobs`` false the blobs are only checked to exist and their ids stay:
    the instance runs on another machine (celery mode), which fetches them there."""
    folder = None
    if any(spec.data_type == "blob" for spec in inputs):
        assert session is not None, "blob inputs are read through a session"
        if not fetch_blobs:
            _check_blobs(session, project, list(inputs), data)
            return PreparedRequest(
                new_request_id(), version_id, data, output_type, list(outputs), None
            )
        where = scratch()
        folder = Path(tempfile.mkdtemp(prefix="request-", dir=where.root))
        try:
            data = _blobs_to_paths(session, store, project, list(inputs), data, folder)
            where.hand_over(folder)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
    return PreparedRequest(
        request_id=new_request_id(),
        version_id=version_id,
        data=data,
        output_type=output_type,
        output_fields=list(outputs),
        scratch=folder,
    )


def _blobs_to_paths(
    session: Session,
    store: ArtifactStore,
    project: ProjectRef,
    fields: list[FieldSpec],
    data: Any,
    scratch: Path,
) -> Any:
    blob_fields = [f.name for f in fields if f.data_type == "blob"]
    if not blob_fields or not isinstance(data, dict):
        return data
    converted = dict(data)
    for name in blob_fields:
        if converted.get(name) is not None:
            target = scratch / name
            target.mkdir()
            path = blobs.fetch_blob_to(session, store, project, str(converted[name]), target)
            converted[name] = str(path)
    return converted


def _check_blobs(session: Session, project: ProjectRef, fields: list[FieldSpec], data: Any) -> None:
    """Each input blob exists in the project, or the request fails as ``fetch_blob_to`` fails it."""
    if not isinstance(data, dict):
        return
    for spec in fields:
        blob_id = data.get(spec.name) if spec.data_type == "blob" else None
        if blob_id is None:
            continue
        try:
            blobs.get_blob(session, project, str(blob_id))
        except NotFound as exc:
            raise unknown_blob_input("blob_id", blob_id) from exc


BlobSaver = Callable[[Path], str]


def finish(
    prepared: PreparedRequest,
    outcome: RequestOutcome,
    save_blob: BlobSaver | None,
    *,
    outputs_under: tuple[Path, ...],
) -> RequestResult:
    """Turn the instance's answer into the request's result; output blobs become blobs. A
    model may only hand back files under ``outputs_under`` (its scratch directory and its own
    package), so a path it names cannot make the server read anything else. Without
    ``save_blob`` the answer names blobs already: the machine the instance ran on stored them
    (celery mode)."""
    request_id = prepared.request_id
    if not outcome.success:
        return RequestResult(request_id=request_id, success=False, error_message=outcome.error)
    problems = rules.data_problems(
        prepared.output_type, prepared.output_fields, outcome.result, side="output"
    )
    if problems:
        reason = "the model's output does not match its output fields: " + "; ".join(problems)
        return RequestResult(request_id=request_id, success=False, error_message=reason)
    if save_blob is None:
        return RequestResult(request_id=request_id, success=True, result=outcome.result)
    try:
        result = _paths_to_blobs(prepared, outcome.result, save_blob, outputs_under)
    except (OSError, ValueError) as exc:
        reason = f"the model returned a blob output that cannot be read: {exc}"
        return RequestResult(request_id=request_id, success=False, error_message=reason)
    return RequestResult(request_id=request_id, success=True, result=result)


def _paths_to_blobs(
    prepared: PreparedRequest, result: Any, save_blob: BlobSaver, roots: tuple[Path, ...]
) -> Any:
    blob_fields = [f.name for f in prepared.output_fields if f.data_type == "blob"]
    if not blob_fields or not isinstance(result, dict):
        return result
    converted = dict(result)
    for name in blob_fields:
        if converted.get(name) is not None:
            converted[name] = save_blob(output_file(name, str(converted[name]), roots))
    return converted


def output_file(name: str, value: str, roots: tuple[Path, ...]) -> Path:
    """The real path of a file a model returned, if it lies under one of ``roots`` and is a
    regular file (links are resolved first, so one pointing elsewhere is refused)."""
    path = Path(os.path.realpath(value))
    inside = any(path.is_relative_to(os.path.realpath(root)) for root in roots)
    if not inside or not path.is_file():
        where = " or ".join(str(root) for root in roots)
        raise ValueError(f"field '{name}': '{value}' is not a file under {where}")
    return path


def save_output_blob(
    session: Session, store: ArtifactStore, project: ProjectRef, path: Path
) -> str:
    """Store a file a model returned as a new blob of the project; returns its id."""
    return str(blobs.create_blob_from_file(session, store, project, path, DEFAULT_BLOB_TTL).id)
