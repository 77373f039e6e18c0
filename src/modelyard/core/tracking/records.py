"""Records of a registered model: added one at a time (with an optional file in the artifact
store), read, changed, deleted, and streamed in batches for search and filter.

A record names its dataset (by default "{model} Dataset {collection date}", the framework's
default) and at least one of experiment, season and site; named things that do not exist yet
are created on the spot. A record is unique per model by timestamp, collection date, dataset,
experiment, season and site. Files are downloaded through a signed, expiring link, so the
download itself needs no token (the link is the credential, as a presigned S3 URL is).
Services flush, never commit: the caller owns the transaction.
"""

from __future__ import annotations

import mimetypes
import uuid
from collections.abc import Generator
from datetime import UTC, date

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from modelyard.core import links
from modelyard.core.identity.schemas import ProjectRef
from modelyard.core.secrets import SecretBox
from modelyard.core.tracking import errors, record_stream, rules
from modelyard.core.tracking import record_repository as records_repo
from modelyard.core.tracking import repository as repo
from modelyard.core.tracking.record_writer import writer_for
from modelyard.core.tracking.schemas import (
    FileDownload,
    RecordCreate,
    RecordQuery,
    RecordRead,
    RecordUpdate,
    UploadedFile,
)
from modelyard.core.tracking.service import experiment_named, model_of
from modelyard.db import effects
from modelyard.db.tables.tracking import (
    RecordRow,
    SeasonRow,
    SiteRow,
    TrackedDatasetRow,
    TrackedModelRow,
)
from modelyard.storage import ArtifactStore, StoreNotFound
from modelyard.storage.base import stream_object

FILENAME_MAX = 256
GENERIC_TYPES = {"", "application/octet-stream"}


def add_record(
    session: Session,
    store: ArtifactStore,
    project: ProjectRef,
    model_id: str,
    data: RecordCreate,
    upload: UploadedFile | None = None,
) -> RecordRead:
    model = model_of(session, project, model_id)
    if not (data.experiment_name or data.season_name or data.site_name):
        raise errors.invalid(
            "experiment_name", "give at least one of experiment_name, season_name or site_name"
        )
    row, dataset_name = _record_row(session, project, model, data)
    if upload is None:
        if not _insert(session, row):  # the unique key: taken before, or concurrently
            raise errors.duplicate_record()
        return _added(row, model, data, dataset_name)
    if records_repo.has_natural_key(session, model.id, row.natural_key):
        raise errors.duplicate_record()  # refused before its file is stored
    _store_file(session, store, project, row, upload)
    if not repo.add_unique(session, row):
        store.delete(row.record_file or "")
        raise errors.duplicate_record()
    return _added(row, model, data, dataset_name)


def _insert(session: Session, row: RecordRow) -> bool:
    """A record without a file, in one statement that keeps the uniqueness rule itself."""
    writer = writer_for(session)
    ids = (row.id, row.model_id, row.dataset_id, row.experiment_id, row.season_id, row.site_id)
    values = writer.values(
        ids, row.timestamp, row.collection_date, row.model_data, row.record_info, row.natural_key
    )
    return writer.insert_one(session, values)


def _added(row: RecordRow, model: TrackedModelRow, data: RecordCreate, dataset: str) -> RecordRead:
    """The record just written, from what was written (no read back: each query counts when
    records arrive one a request)."""
    return RecordRead.model_construct(
        id=row.id,
        timestamp=row.timestamp,
        collection_date=row.collection_date,
        dataset_id=row.dataset_id,
        dataset_name=dataset,
        model_id=model.id,
        model_name=model.model_name,
        model_data=row.model_data,
        experiment_id=row.experiment_id,
        experiment_name=data.experiment_name if row.experiment_id else None,
        season_id=row.season_id,
        season_name=data.season_name if row.season_id else None,
        site_id=row.site_id,
        site_name=data.site_name if row.site_id else None,
        record_file=row.record_file,
        record_info=row.record_info,
    )


def _record_row(
    session: Session, project: ProjectRef, model: TrackedModelRow, data: RecordCreate
) -> tuple[RecordRow, str]:
    """The record's row (not added to the session) with its named things resolved (and
    created, and linked to the model), and its dataset's name. What exists already is
    found in one statement; only what is new costs more."""
    collection_date = data.collection_date or data.timestamp.date()
    dataset_name = data.dataset_name or rules.default_dataset_name(
        model.model_name, collection_date
    )
    found = repo.find_names(
        session,
        project.id,
        model.id,
        dataset=dataset_name,
        experiment=data.experiment_name or None,
        season=data.season_name or None,
        site=data.site_name or None,
    )
    dataset_id = found.dataset_id
    if dataset_id is None:
        dataset_id = _dataset_named(session, project, dataset_name, collection_date).id
    if not found.dataset_linked:
        repo.link_dataset(session, model.id, dataset_id)
    experiment_id = found.experiment_id
    if data.experiment_name:
        if experiment_id is None:
            experiment_id = experiment_named(session, project, data.experiment_name).id
        if not found.experiment_linked:
            repo.link_experiment(session, model.id, experiment_id)
    season_id = found.season_id or _season_id(session, project, data.season_name)
    site_id = found.site_id or _site_id(session, project, data.site_name)
    timestamp = data.timestamp.astimezone(UTC)
    key = rules.natural_key(
        timestamp=timestamp,
        collection_date=collection_date,
        dataset_id=dataset_id,
        experiment_id=experiment_id,
        season_id=season_id,
        site_id=site_id,
    )
    row = RecordRow(
        id=uuid.uuid4(),
        model_id=model.id,
        dataset_id=dataset_id,
        experiment_id=experiment_id,
        season_id=season_id,
        site_id=site_id,
        timestamp=timestamp,
        collection_date=collection_date,
        model_data=data.model_data,
        record_info=data.record_info if data.record_info is not None else {},
        natural_key=key,
    )
    return row, dataset_name


def _dataset_named(
    session: Session, project: ProjectRef, name: str, collection_date: date
) -> TrackedDatasetRow:
    new = TrackedDatasetRow(
        project_id=project.id, dataset_name=name, dataset_info={}, collection_date=collection_date
    )
    return repo.named(session, new)


def _season_id(session: Session, project: ProjectRef, name: str | None) -> uuid.UUID | None:
    if not name:
        return None
    return repo.named(session, SeasonRow(project_id=project.id, season_name=name)).id


def _site_id(session: Session, project: ProjectRef, name: str | None) -> uuid.UUID | None:
    if not name:
        return None
    return repo.named(session, SiteRow(project_id=project.id, site_name=name)).id


def _store_file(
    session: Session,
    store: ArtifactStore,
    project: ProjectRef,
    row: RecordRow,
    upload: UploadedFile,
) -> None:
    """The file goes to the store before the row is written, so a row never points at a half;
    if the transaction then rolls back, the file goes again."""
    name = clean_filename(upload.filename)
    key = f"tracking/{project.id.hex}/records/{row.id.hex}/{name}"
    store.put(key, upload.stream)
    effects.after_rollback(session, lambda: store.delete(key))
    row.record_file, row.file_name = key, name
    row.file_type = content_type_of(name, upload.content_type)


def clean_filename(name: str | None) -> str:
    """The uploaded file's own name, without directories a client put before it."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    if base in ("", ".", "..") or "\x00" in base:
        raise errors.invalid("record_file", "the file needs a name")
    if len(base) > FILENAME_MAX:
        raise errors.invalid("record_file", f"the file name may be at most {FILENAME_MAX} long")
    return base


def content_type_of(filename: str, declared: str | None) -> str:
    """The type the client declared, else one guessed from the name, else octet-stream."""
    if declared and declared.split(";")[0].strip().lower() not in GENERIC_TYPES:
        return declared
    return mimetypes.guess_type(filename)[0] or "application/octet-stream"


def get_record(session: Session, project: ProjectRef, record_id: str) -> RecordRead:
    return _read(session, _record_of(session, project, record_id).id)


def update_record(
    session: Session, project: ProjectRef, record_id: str, data: RecordUpdate
) -> RecordRead:
    row = _record_of(session, project, record_id)
    if data.model_data is None and data.record_info is None:
        raise errors.invalid("body", "give at least one of model_data, record_info")
    if data.model_data is not None:
        row.model_data = data.model_data
    if data.record_info is not None:
        row.record_info = data.record_info
    session.flush()
    return _read(session, row.id)


def delete_record(
    session: Session, store: ArtifactStore, project: ProjectRef, record_id: str
) -> None:
    row = _record_of(session, project, record_id)
    key = row.record_file
    session.delete(row)
    session.flush()
    if key:
        effects.after_commit(session, lambda: store.delete(key))


def open_stream(
    session: Session, engine: Engine, project: ProjectRef, model_id: str, query: RecordQuery
) -> Generator[bytes]:
    """The matching records as JSON lines (the record shape, nulls left out), in chunks. The
    model is checked now (NotFound before any byte is sent); the rows are read later, on a
    connection of the stream's own."""
    model = model_of(session, project, model_id)
    return record_stream.stream(engine, model.id, query)


def file_link(session: Session, project: ProjectRef, record_id: str, *, box: SecretBox) -> str:
    """A sealed link to the record's file (``core/links.py``), valid for
    ``LINK_LIFETIME_SECONDS``."""
    row = _record_of(session, project, record_id)
    if not row.record_file:
        raise errors.no_record_file(record_id)
    return links.seal_link(box, (row.id.hex,), lifetime=rules.LINK_LIFETIME_SECONDS)


def open_file(
    session: Session, store: ArtifactStore, token: str, *, box: SecretBox
) -> FileDownload:
    """The file a valid link names, streamed from the store; a forged or stale link is 404."""
    opened = links.open_link(box, token)
    record_id = None if opened is None or opened.expired else rules.parse_id(opened.values[0])
    row = None if record_id is None else session.get(RecordRow, record_id)
    if row is None or not row.record_file or not row.file_name:
        raise errors.link_expired()
    try:
        size = store.size(row.record_file)
    except StoreNotFound as exc:
        raise errors.link_expired() from exc
    return FileDownload(
        filename=row.file_name,
        content_type=row.file_type or "application/octet-stream",
        size=size,
        chunks=stream_object(store, row.record_file),
    )


def _record_of(session: Session, project: ProjectRef, record_id: str) -> RecordRow:
    parsed = rules.parse_id(record_id)
    row = None if parsed is None else records_repo.get_record_row(session, project.id, parsed)
    if row is None:
        raise errors.record_not_found(record_id)
    return row


def _read(session: Session, record_id: uuid.UUID) -> RecordRead:
    found = records_repo.read_record(session, record_id)
    if found is None:  # written or checked in this transaction
        raise RuntimeError(f"record {record_id} vanished")
    return found
