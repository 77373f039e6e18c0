"""Documents: create from raw bytes, get, list by tags, tag and untag, download, delete."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Query
from fastapi.responses import JSONResponse, Response

from modelyard.api.deps import SessionDep, StoreDep
from modelyard.api.leia.auth import allowed, utc
from modelyard.api.leia.routes._shared import Limit, Offset, RawBody
from modelyard.api.leia.translate.lists import listed
from modelyard.api.leia.translate.requests import document_bytes
from modelyard.api.openapi import BINARY, file_download, raw_body
from modelyard.api.permissions import Scope
from modelyard.api.responses import no_content
from modelyard.api.routing import Router
from modelyard.core.documents import documents
from modelyard.core.documents.schemas import DocumentCreate, DocumentQuery, DocumentRead

router = Router()


@router.post("/document", openapi_extra=raw_body({"application/octet-stream": {"schema": BINARY}}))
def create_document(
    session: SessionDep,
    store: StoreDep,
    scope: Annotated[Scope, allowed("documents.create")],
    body: RawBody,
    filename: Annotated[str, Query()],
    tags: Annotated[list[str], Query()] = [],  # noqa: B006 - FastAPI copies defaults
    b64: bool = False,
) -> DocumentRead:
    data = DocumentCreate(filename=filename, tags=tags)
    content = document_bytes(body, b64=b64)
    return documents.create(session, store, scope.project, scope.principal.user_id, data, content)


@router.get("/document")
def list_documents(
    session: SessionDep,
    scope: Annotated[Scope, allowed("documents.list")],
    document_id: str | None = None,
    filename: str | None = None,
    extension: str | None = None,
    mime_type: str | None = None,
    original_id: str | None = None,
    tags: Annotated[list[str], Query()] = [],  # noqa: B006
    created_after: datetime | None = None,
    created_before: datetime | None = None,
    sort: str | None = None,
    offset: Offset = 0,
    limit: Limit = None,
) -> JSONResponse:
    query = DocumentQuery(
        document_id=document_id,
        filename=filename,
        extension=extension,
        mime_type=mime_type,
        original_id=original_id,
        tags=tags,
        created_after=utc(created_after),
        created_before=utc(created_before),
        sort=sort,
        offset=offset,
        limit=limit,
    )
    return listed(documents.listing(session, scope.principal.user_id, query))


@router.get("/document/tag")
def get_documents_tags(
    session: SessionDep, scope: Annotated[Scope, allowed("documents.list")]
) -> JSONResponse:
    return listed(documents.tags_of(session, scope.principal.user_id))


@router.get("/document/{document_id}")
def get_document(
    session: SessionDep, scope: Annotated[Scope, allowed("documents.get")], document_id: str
) -> DocumentRead:
    return documents.get(session, scope.project, scope.principal.user_id, document_id)


@router.get("/document/{document_id}/file_contents", **file_download("*/*"))
def get_document_contents(
    session: SessionDep,
    store: StoreDep,
    scope: Annotated[Scope, allowed("documents.get")],
    document_id: str,
) -> Response:
    found, key = documents.contents(
        session, store, scope.project, scope.principal.user_id, document_id
    )
    with store.open(key) as stream:
        content = stream.read()
    return Response(content, media_type=found.mime_type)


@router.post("/document/{document_id}/tag/{tag}")
def tag_document(
    session: SessionDep,
    scope: Annotated[Scope, allowed("documents.update")],
    document_id: str,
    tag: str,
) -> DocumentRead:
    return documents.tag(session, scope.project, scope.principal.user_id, document_id, tag)


@router.delete("/document/{document_id}/tag/{tag}", status_code=204)
def untag_document(
    session: SessionDep,
    scope: Annotated[Scope, allowed("documents.update")],
    document_id: str,
    tag: str,
) -> Response:
    documents.untag(session, scope.project, scope.principal.user_id, document_id, tag)
    return no_content()


@router.delete("/document/{document_id}", status_code=204)
def delete_document(
    session: SessionDep,
    store: StoreDep,
    scope: Annotated[Scope, allowed("documents.delete")],
    document_id: str,
) -> Response:
    documents.delete(session, store, scope.project, scope.principal.user_id, document_id)
    return no_content()
