"""Blobs: files uploaded to a project for requests to use, gone when their time to live ends.

A blob's object is streamed to the artifact store under ``blobs/<project_id>/<blob_id>`` before
its row is written, so a row always points at a complete object. An expired blob is invisible at
once (never listed, 404 when asked for) and ``purge_expired`` removes it for good later.
Services flush, never commit: the caller owns the transaction.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import BinaryIO

from sqlalchemy.orm import Session

from modelyard.core.data import repository as repo
from modelyard.core.data.errors import blob_not_found, invalid, unknown_blob_input
from modelyard.core.data.schemas import BlobRead, BlobStream
from modelyard.core.identity.schemas import ProjectRef
from modelyard.db.tables.data import BlobRow
from modelyard.db.types import utcnow
from modelyard.storage import ArtifactStore, StoreNotFound

DEFAULT_TTL = 259_200
"""Three days, the vendor's default time to live."""
MAX_TTL = 2_592_000
"""Thirty days: blobs are request inputs and outputs, not an archive."""
TTL_FIELD = "blob-ttl"
FILENAME_MAX = 256
DEFAULT_RANGE, MAX_RANGE = -50, 1000
PURGE_BATCH = 500


def check_ttl(ttl: int | None) -> int:
    """The time to live in seconds: the default when absent, else 1 s up to ``MAX_TTL``."""
    if ttl is None:
        return DEFAULT_TTL
    if isinstance(ttl, bool) or not isinstance(ttl, int) or ttl < 1:
        raise invalid(TTL_FIELD, "must be a positive whole number of seconds")
    if ttl > MAX_TTL:
        raise invalid(TTL_FIELD, f"may be at most {MAX_TTL} seconds (30 days)")
    return ttl


def clean_filename(name: str | None) -> str:
    """The uploaded file's own name, without any directories a client put before it.

    The name later becomes a file inside a model's working directory, so it must be a single,
    ordinary path component.
    """
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    if base in ("", ".", "..") or "\x00" in base:
        raise invalid("file", "the upload needs a file with a name")
    if len(base) > FILENAME_MAX:
        raise invalid("file", f"the file name may be at most {FILENAME_MAX} characters long")
    return base


def blob_key(project_id: uuid.UUID, blob_id: uuid.UUID) -> str:
    return f"blobs/{project_id}/{blob_id}"


def _parse_id(blob_id: str | uuid.UUID) -> uuid.UUID | None:
    if isinstance(blob_id, uuid.UUID):
        return blob_id
    try:
        return uuid.UUID(blob_id)
    except ValueError:
        return None


def _live_row(session: Session, project: ProjectRef, blob_id: str | uuid.UUID) -> BlobRow | None:
    parsed = _parse_id(blob_id)
    if parsed is None:
        return None
    return repo.get_live_blob(session, project.id, parsed, now=utcnow())


def _found(session: Session, project: ProjectRef, blob_id: str | uuid.UUID) -> BlobRow:
    row = _live_row(session, project, blob_id)
    if row is None:
        raise blob_not_found(blob_id)
    return row


def create_blob(
    session: Session,
    store: ArtifactStore,
    project: ProjectRef,
    *,
    filename: str | None,
    source: BinaryIO,
    ttl: int | None = None,
    now: datetime | None = None,
) -> BlobRead:
    """Stream ``source`` to the store and record it; ``now`` backdates it (tests, imports)."""
    ttl = check_ttl(ttl)
    name = clean_filename(filename)
    blob_id = uuid.uuid4()
    key = blob_key(project.id, blob_id)
    size = store.put(key, source)
    created = now or utcnow()
    row = BlobRow(
        id=blob_id,
        project_id=project.id,
        filename=name,
        size=size,
        ttl=ttl,
        storage_key=key,
        creation_date=created,
        expires_at=created + timedelta(seconds=ttl),
    )
    session.add(row)
    try:
        session.flush()
    except BaseException:
        store.delete(key)
        raise
    return BlobRead.model_validate(row)


def create_blob_from_file(
    session: Session, store: ArtifactStore, project: ProjectRef, path: Path, ttl: int | None = None
) -> BlobRead:
    """A blob from a local file (a model's blob output), named after the file."""
    with path.open("rb") as source:
        return create_blob(session, store, project, filename=path.name, source=source, ttl=ttl)


def list_blobs(
    session: Session,
    project: ProjectRef,
    *,
    count: int = DEFAULT_RANGE,
    since: datetime | None = None,
) -> list[BlobRead]:
    """Up to ``abs(count)`` unexpired blobs, oldest first: from ``since`` towards the present
    when ``count`` is positive, from ``since`` (or now) into the past when it is negative.
    A positive ``count`` without ``since`` starts at the oldest blob."""
    if count == 0 or abs(count) > MAX_RANGE:
        raise invalid(
            "range",
            f"must be between -{MAX_RANGE} and {MAX_RANGE} and not 0:"
            " positive counts forward, negative backward",
        )
    anchor = since.replace(tzinfo=UTC) if since and since.tzinfo is None else since
    rows = repo.list_live_blobs(session, project.id, now=utcnow(), count=count, anchor=anchor)
    return [BlobRead.model_validate(row) for row in rows]


def get_blob(session: Session, project: ProjectRef, blob_id: str | uuid.UUID) -> BlobRead:
    """An unexpired blob of the project; unknown, expired and malformed ids are all 'not found'."""
    return BlobRead.model_validate(_found(session, project, blob_id))


def open_blob(
    session: Session, store: ArtifactStore, project: ProjectRef, blob_id: str | uuid.UUID
) -> BlobStream:
    """The blob with its content opened for streaming; the caller closes the stream."""
    row = _found(session, project, blob_id)
    try:
        stream = store.open(row.storage_key)
    except StoreNotFound as exc:
        raise blob_not_found(blob_id) from exc
    return BlobStream(blob=BlobRead.model_validate(row), stream=stream)


def delete_blob(
    session: Session, store: ArtifactStore, project: ProjectRef, blob_id: str | uuid.UUID
) -> None:
    """Remove the blob's row, then its object (once the row is surely gone from this unit)."""
    row = _found(session, project, blob_id)
    key = row.storage_key
    session.delete(row)
    session.flush()
    store.delete(key)


def fetch_blob_to(
    session: Session,
    store: ArtifactStore,
    project: ProjectRef,
    blob_id: str | uuid.UUID,
    directory: Path,
    *,
    field: str = "blob_id",
) -> Path:
    """Copy a request's input blob to ``directory/<blob_id>/<original filename>``.

    The per-blob folder keeps the user's file name while two inputs with the same name stay
    apart. An unknown or expired blob is the request's fault: InvalidInput naming ``field``.
    """
    row = _live_row(session, project, blob_id)
    if row is None:
        raise unknown_blob_input(field, blob_id)
    target = directory / str(row.id) / clean_filename(row.filename)
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        return store.fetch(row.storage_key, target)
    except StoreNotFound as exc:
        raise unknown_blob_input(field, blob_id) from exc


def purge_expired(session: Session, store: ArtifactStore, now: datetime | None = None) -> int:
    """Delete every expired blob's object, then its row; returns how many were purged.

    Objects go first: if the transaction is lost afterwards, the rows stay expired (so still
    invisible) and the next purge deletes them again, deleting a missing object being harmless.
    """
    moment = now or utcnow()
    purged = 0
    while rows := repo.expired_blobs(session, now=moment, limit=PURGE_BATCH):
        for row in rows:
            store.delete(row.storage_key)
        repo.delete_blobs(session, [row.id for row in rows])
        session.flush()
        purged += len(rows)
    return purged
