"""Tabular datasets: create (whole, or to be uploaded in chunks), chunks, collation, download.

Objects live in the artifact store under ``datasets/<project>/<dataset>/``: each chunk as the
CSV it was uploaded as, checked, with its row headers beside it (a new key per upload, so
replacing a chunk never overwrites what the committed row points at); the collated dataset as
typed Parquet and as the CSV that downloads stream. A chunk's file is written beside a local
store's objects and moved in by rename. A whole upload is checked and collated in the request,
by the same code as chunks. A chunked upload is checked for conflicts when the user calls
``finish_upload`` (409 and nothing changes), then collated by a ``dataset.collate`` job:
uploading → processing → uploaded, or back to uploading with the reason in ``detail`` should
the job fail. Services flush, never commit: the caller owns the transaction. The Arrow
modules (``csvfiles``, ``collate``) are imported on use, so a server that never touches a
dataset does not load pyarrow.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator, Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, cast

from sqlalchemy.orm import Session

from modelyard.core.data.datasets import repository as repo
from modelyard.core.data.datasets import shapes
from modelyard.core.data.datasets.errors import (
    chunk_not_found,
    dataset_not_found,
    invalid,
    not_ready,
    not_uploading,
)
from modelyard.core.data.datasets.schemas import (
    PROCESSING,
    UPLOADED,
    UPLOADING,
    ChunkRead,
    DatasetCreate,
    DatasetRead,
)
from modelyard.core.identity.schemas import ProjectRef
from modelyard.core.jobs import service as jobs
from modelyard.db.tables.tabular import TabularChunkRow, TabularDatasetRow
from modelyard.storage import ArtifactStore, StoreNotFound
from modelyard.storage.base import put_file, staging_dir

if TYPE_CHECKING:
    import pyarrow as pa

COLLATE_KIND = "dataset.collate"
NAME_MAX = 256


def open_seekable(store: ArtifactStore, key: str) -> BinaryIO:
    """The object as a seekable stream, which Parquet needs (its footer is at the end): the
    store's own stream when it can seek (a local file), else a temporary local copy (S3)."""
    stream = store.open(key)
    if stream.seekable():
        return stream
    copy = tempfile.TemporaryFile(prefix="modelyard-object-")  # noqa: SIM115
    with stream:
        while block := stream.read(shapes.BLOCK):
            copy.write(block)
    copy.seek(0)
    return cast(BinaryIO, copy)


def seekable_opener(store: ArtifactStore) -> shapes.Opener:
    return partial(open_seekable, store)


def staged_file(store: ArtifactStore, prefix: str) -> Path:
    """A new empty file to be moved into ``store`` (``put_file``): beside a local store's
    objects, so the move is a rename."""
    handle, name = tempfile.mkstemp(dir=staging_dir(store), prefix=prefix)
    os.close(handle)
    return Path(name)


def _delete(store: ArtifactStore, keys: Sequence[str]) -> None:
    for key in keys:
        store.delete(key)


def write_dataset(
    store: ArtifactStore,
    open_key: shapes.Opener,
    chunks: Sequence[shapes.StoredChunk],
    columns: list[str],
    key: str,
) -> None:
    """Collate ``chunks`` into the objects of the dataset ``key``: its Parquet and its CSV,
    both stored or neither."""
    from modelyard.core.data.datasets import collate

    parquet, csv = staged_file(store, "dataset-"), staged_file(store, "dataset-")
    try:
        collate.write_collated(open_key, chunks, columns, parquet=parquet, csv=csv)
        put_file(store, shapes.csv_key(key), csv)
        put_file(store, key, parquet)
    except BaseException:
        _delete(store, shapes.dataset_objects(key))
        raise
    finally:
        parquet.unlink(missing_ok=True)
        csv.unlink(missing_ok=True)


def parse_id(value: str | uuid.UUID, field: str) -> uuid.UUID:
    """A UUID from the path or body; anything else is a 400 naming the field."""
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(value)
    except ValueError:
        raise invalid(field, f"'{value}' is not a valid id (a UUID)") from None


def _flags(field: str, values: list[int] | None, width: int) -> None:
    if values is None:
        return
    if len(values) != width:
        raise invalid(field, f"has {len(values)} entries, but there are {width} column headers")
    if any(v not in (0, 1) for v in values):
        raise invalid(field, "entries must be 0 or 1")


def check_create(data: DatasetCreate) -> None:
    """The metadata alone is consistent (before any rows are read)."""
    if not data.name.strip() or len(data.name) > NAME_MAX:
        raise invalid("name", f"must be 1 to {NAME_MAX} characters")
    if data.row_count < 0:
        raise invalid("rowCount", "must not be negative")
    if not data.column_headers:
        raise invalid("columnHeaders", "must name at least one column")
    if len(set(data.column_headers)) != len(data.column_headers):
        raise invalid("columnHeaders", "must not repeat a column header")
    width = len(data.column_headers)
    _flags("descriptorColumns", data.descriptor_columns, width)
    _flags("completeColumns", data.complete_columns, width)


def _row(session: Session, project: ProjectRef, dataset_id: uuid.UUID) -> TabularDatasetRow:
    row = repo.get_dataset(session, project.id, dataset_id)
    if row is None:
        raise dataset_not_found(dataset_id)
    return row


def _uploading(
    session: Session, project: ProjectRef, dataset_id: uuid.UUID, *, lock: bool = False
) -> TabularDatasetRow:
    row = repo.get_dataset(session, project.id, dataset_id, lock=lock)
    if row is None:
        raise dataset_not_found(dataset_id)
    if row.status != UPLOADING:
        raise not_uploading(dataset_id)
    return row


def _prefix(row: TabularDatasetRow) -> str:
    return f"datasets/{row.project_id}/{row.id}"


def get(session: Session, project: ProjectRef, dataset_id: uuid.UUID) -> DatasetRead:
    return DatasetRead.model_validate(_row(session, project, dataset_id))


def create(
    session: Session,
    store: ArtifactStore,
    project: ProjectRef,
    data: DatasetCreate,
    *,
    model_id: uuid.UUID | None,
) -> DatasetRead:
    """A dataset, collated at once when ``data`` holds the CSV, else awaiting chunks."""
    check_create(data)
    row = TabularDatasetRow(
        id=uuid.uuid4(),
        project_id=project.id,
        model_id=model_id,
        name=data.name,
        tags=data.tags,
        notes=data.notes,
        status=UPLOADING,
        row_count=data.row_count,
        column_headers=data.column_headers,
        descriptor_columns=data.descriptor_columns,
        complete_columns=data.complete_columns,
        extras=data.extras,
    )
    if data.data is not None:
        row.storage_key = _ingest_whole(store, row, data.data)
        row.status = UPLOADED
    session.add(row)
    try:
        session.flush()
    except BaseException:
        if row.storage_key:
            _delete(store, shapes.dataset_objects(row.storage_key))
        raise
    return DatasetRead.model_validate(row)


def _ingest_whole(store: ArtifactStore, row: TabularDatasetRow, text: str) -> str:
    """Check and collate an inline CSV as one chunk; returns the key of the stored dataset."""
    from modelyard.core.data.datasets import collate, csvfiles

    with tempfile.TemporaryDirectory(prefix="modelyard-dataset-") as scratch:
        source = Path(scratch, f"data{shapes.CHUNK_SUFFIX}")
        csvfiles.text_to_file(text, source)
        shape = csvfiles.check_chunk(source, Path(shapes.rows_key(str(source))), field="data")
        if shape.column_headers != row.column_headers:
            raise invalid(
                "data",
                f"the CSV's column headers {shape.column_headers} are not the dataset's "
                f"columnHeaders {row.column_headers}",
            )
        chunk = shapes.StoredChunk(
            0, str(source), shape.column_headers, shape.row_count, shape.text_columns
        )

        def local(key: str) -> BinaryIO:
            return Path(key).open("rb")

        collate.find_conflicts(local, [chunk], declared=row.column_headers, row_count=row.row_count)
        key = f"{_prefix(row)}/data-{uuid.uuid4().hex}{shapes.DATASET_SUFFIX}"
        write_dataset(store, local, [chunk], row.column_headers, key)
        return key


def put_chunk(
    session: Session,
    store: ArtifactStore,
    project: ProjectRef,
    dataset_id: uuid.UUID,
    number: int,
    source: Path,
) -> ChunkRead:
    """Check and store one chunk, the CSV file at ``source``, which a local store takes by
    rename (else it is copied and removed; on failure it is left to the caller). The same
    number replaces the chunk uploaded before."""
    from modelyard.core.data.datasets import csvfiles

    if number < 0:
        raise invalid("chunk_number", "must be 0 or more")
    row = _uploading(session, project, dataset_id)
    key = f"{_prefix(row)}/chunks/{number}-{uuid.uuid4().hex}{shapes.CHUNK_SUFFIX}"
    headers = staged_file(store, "rows-")
    try:
        shape = csvfiles.check_chunk(source, headers)
        put_file(store, shapes.rows_key(key), headers)
        put_file(store, key, source)
        return _record_chunk(session, store, project, dataset_id, number, shape, key)
    except BaseException:
        _delete(store, shapes.chunk_objects(key))
        raise
    finally:
        headers.unlink(missing_ok=True)


def _record_chunk(
    session: Session,
    store: ArtifactStore,
    project: ProjectRef,
    dataset_id: uuid.UUID,
    number: int,
    shape: shapes.ChunkShape,
    key: str,
) -> ChunkRead:
    """Point the chunk's row at its new object, the dataset locked, so a chunk never slips in
    beside a collation that has started, nor two uploads of one number collide."""
    row = _uploading(session, project, dataset_id, lock=True)
    chunk = repo.get_chunk(session, row.id, number)
    old_key = chunk.storage_key if chunk is not None else None
    if chunk is None:
        chunk = TabularChunkRow(id=uuid.uuid4(), dataset_id=row.id, chunk_number=number)
        session.add(chunk)
    chunk.row_count, chunk.column_headers = shape.row_count, shape.column_headers
    chunk.text_columns, chunk.storage_key = shape.text_columns, key
    session.flush()
    if old_key:
        _delete(store, shapes.chunk_objects(old_key))
    return ChunkRead.model_validate(chunk)


def list_chunks(session: Session, project: ProjectRef, dataset_id: uuid.UUID) -> list[ChunkRead]:
    row = _uploading(session, project, dataset_id)
    return [ChunkRead.model_validate(c) for c in repo.list_chunks(session, row.id)]


def get_chunk(
    session: Session, project: ProjectRef, dataset_id: uuid.UUID, number: int
) -> ChunkRead:
    row = _uploading(session, project, dataset_id)
    chunk = repo.get_chunk(session, row.id, number)
    if chunk is None:
        raise chunk_not_found(number)
    return ChunkRead.model_validate(chunk)


def delete_chunk(
    session: Session, store: ArtifactStore, project: ProjectRef, dataset_id: uuid.UUID, number: int
) -> None:
    row = _uploading(session, project, dataset_id, lock=True)
    chunk = repo.get_chunk(session, row.id, number)
    if chunk is None:
        raise chunk_not_found(number)
    _drop_chunks(session, store, [chunk])


def restart(
    session: Session, store: ArtifactStore, project: ProjectRef, dataset_id: uuid.UUID
) -> None:
    """Delete every chunk of the upload, to start again."""
    row = _uploading(session, project, dataset_id, lock=True)
    _drop_chunks(session, store, repo.list_chunks(session, row.id))


def _drop_chunks(session: Session, store: ArtifactStore, chunks: Sequence[TabularChunkRow]) -> None:
    keys = []
    for chunk in chunks:
        keys += shapes.chunk_objects(chunk.storage_key)
        session.delete(chunk)
    session.flush()
    _delete(store, keys)


def stored_chunks(chunks: Sequence[TabularChunkRow]) -> list[shapes.StoredChunk]:
    return [
        shapes.StoredChunk(
            c.chunk_number, c.storage_key, list(c.column_headers), c.row_count, c.text_columns
        )
        for c in chunks
    ]


def finish_upload(
    session: Session, store: ArtifactStore, project: ProjectRef, dataset_id: uuid.UUID
) -> DatasetRead:
    """Refuse conflicting chunks (409, the upload stays as it was), else queue the collation."""
    from modelyard.core.data.datasets import collate

    row = _uploading(session, project, dataset_id, lock=True)
    chunks = stored_chunks(repo.list_chunks(session, row.id))
    collate.find_conflicts(
        seekable_opener(store), chunks, declared=list(row.column_headers), row_count=row.row_count
    )
    row.status, row.detail = PROCESSING, None
    session.flush()
    jobs.enqueue(
        session,
        kind=COLLATE_KIND,
        project_id=row.project_id,
        subject_id=row.id,
        payloads=[{"dataset_id": str(row.id)}],
    )
    return DatasetRead.model_validate(row)


def delete(
    session: Session, store: ArtifactStore, project: ProjectRef, dataset_id: uuid.UUID
) -> None:
    """The dataset, its chunks and its stored objects."""
    row = _row(session, project, dataset_id)
    keys = [
        k for c in repo.list_chunks(session, row.id) for k in shapes.chunk_objects(c.storage_key)
    ]
    if row.storage_key:
        keys += shapes.dataset_objects(row.storage_key)
    session.delete(row)
    session.flush()
    _delete(store, keys)


def ready(session: Session, project: ProjectRef, dataset_id: uuid.UUID) -> DatasetRead:
    """The dataset, if it is uploaded (else 409: it cannot be read yet)."""
    return ready_in(session, project.id, dataset_id)


def ready_in(session: Session, project_id: uuid.UUID, dataset_id: uuid.UUID) -> DatasetRead:
    """``ready`` for a job, which knows the project by id."""
    row = repo.get_dataset(session, project_id, dataset_id)
    if row is None:
        raise dataset_not_found(dataset_id)
    if row.status != UPLOADED or not row.storage_key:
        raise not_ready(dataset_id, row.status)
    return DatasetRead.model_validate(row)


def download(
    session: Session, store: ArtifactStore, project: ProjectRef, dataset_id: uuid.UUID
) -> Iterator[bytes]:
    """The uploaded dataset as CSV bytes: its CSV object as stored, or (collated before that was
    written) rendered from its Parquet."""
    from modelyard.core.data.datasets import csvfiles

    dataset = ready(session, project, dataset_id)
    assert dataset.storage_key is not None
    try:
        stream = store.open(shapes.csv_key(dataset.storage_key))
    except StoreNotFound:
        return csvfiles.stream_csv(open_seekable(store, dataset.storage_key))
    return _blocks(stream)


def _blocks(stream: BinaryIO) -> Iterator[bytes]:
    with stream:
        while block := stream.read(shapes.BLOCK):
            yield block


def load_table(store: ArtifactStore, dataset: DatasetRead) -> pa.Table:
    """The whole dataset in memory, for training and prediction on it."""
    import pyarrow.parquet as pq

    if dataset.storage_key is None:
        raise not_ready(dataset.id, dataset.status)
    with open_seekable(store, dataset.storage_key) as stream:
        return pq.read_table(stream)


def owned_by(session: Session, model_id: uuid.UUID) -> list[DatasetRead]:
    """The datasets uploaded through a model."""
    return [DatasetRead.model_validate(r) for r in repo.datasets_of_model(session, model_id)]
