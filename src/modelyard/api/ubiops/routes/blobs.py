"""``/projects/{project}/blobs``: upload, list, download and delete blobs."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, BinaryIO

from fastapi import File, Header, Query, Response, UploadFile

from modelyard.api.deps import SessionDep, StoreDep
from modelyard.api.downloads import download_headers
from modelyard.api.openapi import file_download, within
from modelyard.api.responses import no_content
from modelyard.api.routing import Router
from modelyard.api.streaming import ThreadedStream
from modelyard.api.ubiops.auth import allowed
from modelyard.api.ubiops.protocol import blobs as wire
from modelyard.api.ubiops.translate import blobs as translate
from modelyard.core.data import service
from modelyard.core.identity.schemas import ProjectRef
from modelyard.storage.base import iter_chunks

router = Router(prefix="/projects/{project_name}/blobs")


def _chunks_then_close(stream: BinaryIO) -> Iterator[bytes]:
    with stream:
        yield from iter_chunks(stream)


@router.post("", status_code=201)
def blobs_create(
    file: Annotated[UploadFile, File()],
    session: SessionDep,
    project: Annotated[ProjectRef, allowed("blobs.create")],
    store: StoreDep,
    blob_ttl: Annotated[int | None, Header(alias="blob-ttl")] = None,
) -> wire.BlobList:
    created = service.create_blob(
        session, store, project, filename=file.filename, source=file.file, ttl=blob_ttl
    )
    return translate.blob(created)


@router.get("")
def blobs_list(
    session: SessionDep,
    project: Annotated[ProjectRef, allowed("blobs.list")],
    count: Annotated[
        int, Query(alias="range", json_schema_extra=within(-service.MAX_RANGE, service.MAX_RANGE))
    ] = service.DEFAULT_RANGE,
    creation_date: str | None = None,
) -> list[wire.BlobList]:
    since = translate.creation_date(creation_date)
    return [
        translate.blob(b) for b in service.list_blobs(session, project, count=count, since=since)
    ]


@router.get("/{blob_id}", **file_download("application/octet-stream"))
def blobs_get(
    blob_id: str,
    session: SessionDep,
    project: Annotated[ProjectRef, allowed("blobs.get")],
    store: StoreDep,
) -> ThreadedStream:
    opened = service.open_blob(session, store, project, blob_id)
    return ThreadedStream(
        _chunks_then_close(opened.stream),
        media_type="application/octet-stream",
        headers=download_headers(opened.blob.filename, opened.blob.size),
    )


@router.delete("/{blob_id}", status_code=204)
def blobs_delete(
    blob_id: str,
    session: SessionDep,
    project: Annotated[ProjectRef, allowed("blobs.delete")],
    store: StoreDep,
) -> Response:
    service.delete_blob(session, store, project, blob_id)
    return no_content()
