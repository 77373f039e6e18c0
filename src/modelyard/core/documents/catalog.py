"""Document models: the zip files an admin uploads (or a train job produces), what their
manifest says, who may use them, and listing them with Leia's filters, sort and paging.

Services flush, never commit: the caller owns the transaction.
"""

from __future__ import annotations

import hashlib
import io
import tempfile
import uuid
from dataclasses import asdict
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from modelyard.core.documents import repository as repo
from modelyard.core.documents import rules
from modelyard.core.documents.manifest import Manifest, read_manifest
from modelyard.core.documents.schemas import ModelFields, ModelQuery, ModelRead, ModelUpdate, Page
from modelyard.core.identity.schemas import Principal, ProjectRef
from modelyard.core.serving.sandboxing import CodePolicy
from modelyard.db.tables import DocumentModelRow
from modelyard.errors import Conflict, InvalidInput, NotFound
from modelyard.storage import ArtifactStore

SORT_KEYS = (
    "application_id",
    "creation_time",
    "name",
    "description",
    "model_type",
    "short_name",
    "id",
)


def read(row: DocumentModelRow) -> ModelRead:
    return ModelRead(
        id=str(row.id),
        application_id=str(row.application_id),
        name=row.name,
        short_name=row.short_name,
        description=row.description,
        ttl=row.ttl,
        tags=list(row.tags),
        allowed_application_ids=list(row.allowed_application_ids),
        allow_all_applications=row.allow_all_applications,
        model_type=row.model_type,
        model_module=row.model_module,
        model_clazz=row.model_clazz,
        input_types=list(row.input_types),
        output_format=row.output_format,
        documentation=row.documentation,
        size=float(row.size),
        md5sum=row.md5sum,
        creation_time=row.created_at,
    )


def _check_short_name(
    session: Session, project: ProjectRef, value: str | None, but: uuid.UUID | None
) -> None:
    if value is None:
        return
    rules.check_name(value, "short_name")
    if repo.short_name_taken(session, project.id, value, but):
        raise Conflict(f"short_name: another model is already called '{value}'", field="short_name")


def create(
    session: Session,
    store: ArtifactStore,
    project: ProjectRef,
    owner: uuid.UUID,
    fields: ModelFields,
    content: bytes,
    *,
    author: Principal | None,
    policy: CodePolicy | None,
) -> ModelRead:
    """A model from its zip: the fields and the manifest are checked before anything is
    stored, so a refused model leaves nothing behind. ``author`` and ``policy`` say whether
    this server may run the author's code (None for a model trained from an accepted one)."""
    if author is not None and policy is not None:
        policy.check_deploy(author, field="body")
    rules.check_name(fields.name)
    _check_short_name(session, project, fields.short_name, None)
    ttl = rules.check_ttl(fields.ttl)
    manifest = _manifest_of(content)
    model_id = uuid.uuid4()
    key = f"document-models/{project.id}/{model_id}.zip"
    store.put(key, io.BytesIO(content))
    row = DocumentModelRow(
        id=model_id,
        project_id=project.id,
        application_id=owner,
        name=fields.name,
        short_name=fields.short_name,
        description=fields.description,
        ttl=ttl,
        tags=list(dict.fromkeys(fields.tags)),
        allowed_application_ids=list(dict.fromkeys(fields.allowed_application_ids)),
        allow_all_applications=fields.allow_all_applications,
        size=len(content),
        md5sum=hashlib.md5(content, usedforsecurity=False).hexdigest(),
        storage_key=key,
        **asdict(manifest),
    )
    session.add(row)
    session.flush()
    return read(row)


def _manifest_of(content: bytes) -> Manifest:
    if not content:
        raise InvalidInput("body: the model file is empty; send the zip as the body", field="body")
    with tempfile.TemporaryDirectory(prefix="modelyard-model-") as scratch:
        path = Path(scratch) / "model.zip"
        path.write_bytes(content)
        return read_manifest(path)


def may_use(row: DocumentModelRow, application_id: uuid.UUID) -> bool:
    return (
        row.application_id == application_id
        or row.allow_all_applications
        or str(application_id) in row.allowed_application_ids
    )


def find(
    session: Session, project: ProjectRef, model_id: str, *, user: uuid.UUID | None = None
) -> DocumentModelRow:
    """A model by id or short name; ``user`` set: only one that application may use."""
    row = repo.get_model(session, project.id, model_id)
    if row is None or (user is not None and not may_use(row, user)):
        raise NotFound(f"No model '{model_id}'", field="model_id")
    return row


def get(
    session: Session, project: ProjectRef, model_id: str, *, user: uuid.UUID | None = None
) -> ModelRead:
    return read(find(session, project, model_id, user=user))


def _matches(row: DocumentModelRow, query: ModelQuery, mine: uuid.UUID) -> bool:
    owner = uuid.UUID(query.application_id) if query.application_id else mine
    checks = (
        query.model_id is None or str(row.id) == query.model_id,
        query.application_id is None or str(row.application_id) == query.application_id,
        query.model_type is None or row.model_type == query.model_type,
        query.name is None or row.name == query.name,
        query.short_name is None or row.short_name == query.short_name,
        query.description is None or query.description in (row.description or ""),
        all(kind in row.input_types for kind in query.input_types),
        all(tag in row.tags for tag in query.tags),
        rules.in_window(row.created_at, query.created_after, query.created_before),
        not query.only_mine or row.application_id == owner,
    )
    return all(checks)


def _field(item: ModelRead, key: str) -> Any:
    return getattr(item, key)


def listing(
    session: Session, project: ProjectRef, query: ModelQuery, *, caller: uuid.UUID, admin: bool
) -> Page:
    """Every filter of the seed; an admin sees every model of the project, others the models
    they may use."""
    keys = rules.sort_keys(query.sort, SORT_KEYS)
    if query.application_id is not None:
        _check_uuid(query.application_id, "application_id")
    rows = [
        row
        for row in repo.list_models(session, project.id)
        if (admin or may_use(row, caller)) and _matches(row, query, caller)
    ]
    ordered = rules.sorted_by([read(row) for row in rows], keys, _field)
    return Page(
        items=rules.page(ordered, query.offset, query.limit),
        offset=query.offset,
        total=len(ordered),
    )


def _check_uuid(value: str, field: str) -> None:
    try:
        uuid.UUID(value)
    except ValueError:
        raise InvalidInput(f"{field}: '{value}' is not an id", field=field) from None


def edit(session: Session, project: ProjectRef, model_id: str, data: ModelUpdate) -> ModelRead:
    row = find(session, project, model_id)
    if data.name is not None:
        row.name = rules.check_name(data.name)
    if data.short_name is not None:
        _check_short_name(session, project, data.short_name, row.id)
        row.short_name = data.short_name
    if data.description is not None:
        row.description = data.description
    if data.ttl is not None:
        row.ttl = rules.check_ttl(data.ttl)
    if data.allowed_application_ids is not None:
        row.allowed_application_ids = list(dict.fromkeys(data.allowed_application_ids))
    if data.allow_all_applications is not None:
        row.allow_all_applications = data.allow_all_applications
    session.flush()
    return read(row)


def tag(
    session: Session,
    project: ProjectRef,
    model_id: str,
    value: str,
    *,
    user: uuid.UUID | None = None,
) -> ModelRead:
    if not value.strip():
        raise InvalidInput("tag: must not be blank", field="tag")
    row = find(session, project, model_id, user=user)
    row.tags = list(dict.fromkeys([*row.tags, value]))
    session.flush()
    return read(row)


def untag(
    session: Session,
    project: ProjectRef,
    model_id: str,
    value: str,
    *,
    user: uuid.UUID | None = None,
) -> None:
    row = find(session, project, model_id, user=user)
    row.tags = [existing for existing in row.tags if existing != value]
    session.flush()


def delete(session: Session, store: ArtifactStore, project: ProjectRef, model_id: str) -> uuid.UUID:
    """Delete the row, then the file; returns the id so its instances can be stopped."""
    row = find(session, project, model_id)
    key, model_key = row.storage_key, row.id
    session.delete(row)
    session.flush()
    store.delete(key)
    return model_key


def contents(session: Session, project: ProjectRef, model_id: str) -> tuple[ModelRead, str]:
    """The model and the store key of its file (streamed with its exact length)."""
    row = find(session, project, model_id)
    return read(row), row.storage_key
