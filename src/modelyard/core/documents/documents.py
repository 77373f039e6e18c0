"""Documents: files an application uploads to apply and train models on. An application sees
only its own documents; their bytes live in the artifact store.

Services flush, never commit: the caller owns the transaction.
"""

from __future__ import annotations

import hashlib
import io
import mimetypes
import uuid
from pathlib import PurePosixPath
from typing import Any

from sqlalchemy.orm import Session

from modelyard.core.documents import repository as repo
from modelyard.core.documents import rules
from modelyard.core.documents.schemas import DocumentCreate, DocumentQuery, DocumentRead, Page
from modelyard.core.identity.schemas import ProjectRef
from modelyard.db.tables import DocumentRow
from modelyard.errors import InvalidInput, NotFound
from modelyard.storage import ArtifactStore

SORT_KEYS = ("id", "filename", "extension", "mime_type", "creation_time", "size")


def read(row: DocumentRow) -> DocumentRead:
    return DocumentRead(
        id=str(row.id),
        application_id=str(row.application_id),
        filename=row.filename,
        extension=row.extension,
        mime_type=row.mime_type,
        size=row.size,
        md5sum=row.md5sum,
        tags=list(row.tags),
        original_id=str(row.original_id) if row.original_id else None,
        creation_time=row.created_at,
    )


def storage_key(project_id: uuid.UUID, document_id: uuid.UUID) -> str:
    return f"documents/{project_id}/{document_id}"


def create(
    session: Session,
    store: ArtifactStore,
    project: ProjectRef,
    application_id: uuid.UUID,
    data: DocumentCreate,
    content: bytes,
) -> DocumentRead:
    """Store the bytes, then the row; the row names the stored object."""
    filename = rules.check_name(data.filename, "filename")
    document_id = uuid.uuid4()
    key = storage_key(project.id, document_id)
    store.put(key, io.BytesIO(content))
    row = DocumentRow(
        id=document_id,
        project_id=project.id,
        application_id=application_id,
        filename=filename,
        extension=PurePosixPath(filename).suffix.lstrip(".").lower(),
        mime_type=mimetypes.guess_type(filename)[0] or "application/octet-stream",
        size=len(content),
        md5sum=hashlib.md5(content, usedforsecurity=False).hexdigest(),
        storage_key=key,
        tags=_clean_tags(data.tags),
        original_id=document_id,
    )
    session.add(row)
    session.flush()
    return read(row)


def _clean_tags(tags: list[str]) -> list[str]:
    if any(not tag or not tag.strip() for tag in tags):
        raise InvalidInput("tags: a tag must not be blank", field="tags")
    return list(dict.fromkeys(tags))


def owned(
    session: Session, project: ProjectRef, application_id: uuid.UUID, document_id: str
) -> DocumentRow:
    """The document, if this application owns it (another's is a 404, as an unknown one)."""
    row = repo.get_document(session, project.id, document_id)
    if row is None or row.application_id != application_id:
        raise NotFound(f"No document '{document_id}'", field="document_id")
    return row


def get(
    session: Session, project: ProjectRef, application_id: uuid.UUID, document_id: str
) -> DocumentRead:
    return read(owned(session, project, application_id, document_id))


def _matches(row: DocumentRow, query: DocumentQuery) -> bool:
    checks = (
        query.document_id is None or str(row.id) == query.document_id,
        query.filename is None or row.filename == query.filename,
        query.extension is None or row.extension == query.extension,
        query.mime_type is None or row.mime_type == query.mime_type,
        query.original_id is None or str(row.original_id) == query.original_id,
        all(tag in row.tags for tag in query.tags),
        rules.in_window(row.created_at, query.created_after, query.created_before),
    )
    return all(checks)


def _field(item: DocumentRead, key: str) -> Any:
    return getattr(item, key)


def listing(session: Session, application_id: uuid.UUID, query: DocumentQuery) -> Page:
    keys = rules.sort_keys(query.sort, SORT_KEYS)
    found = [
        read(row) for row in repo.list_documents(session, application_id) if _matches(row, query)
    ]
    ordered = rules.sorted_by(found, keys, _field)
    return Page(
        items=rules.page(ordered, query.offset, query.limit),
        offset=query.offset,
        total=len(ordered),
    )


def tag(
    session: Session, project: ProjectRef, application_id: uuid.UUID, document_id: str, value: str
) -> DocumentRead:
    row = owned(session, project, application_id, document_id)
    row.tags = _clean_tags([*row.tags, value])
    session.flush()
    return read(row)


def untag(
    session: Session, project: ProjectRef, application_id: uuid.UUID, document_id: str, value: str
) -> None:
    row = owned(session, project, application_id, document_id)
    row.tags = [existing for existing in row.tags if existing != value]
    session.flush()


def delete(
    session: Session,
    store: ArtifactStore,
    project: ProjectRef,
    application_id: uuid.UUID,
    document_id: str,
) -> None:
    row = owned(session, project, application_id, document_id)
    key = row.storage_key
    session.delete(row)
    session.flush()
    store.delete(key)


def contents(
    session: Session,
    store: ArtifactStore,
    project: ProjectRef,
    application_id: uuid.UUID,
    document_id: str,
) -> tuple[DocumentRead, str]:
    """The document and the store key to stream its bytes from."""
    row = owned(session, project, application_id, document_id)
    return read(row), row.storage_key


def tags_of(session: Session, application_id: uuid.UUID) -> Page:
    """Every tag on the application's documents, each once, sorted."""
    found = sorted(
        {tag for row in repo.list_documents(session, application_id) for tag in row.tags}
    )
    return Page(items=found, offset=0, total=len(found))
