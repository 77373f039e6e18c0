"""``/models/{id}/dataset``: the model's training dataset, uploaded whole or in chunks."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated, Any, BinaryIO

import anyio
from fastapi import Depends, Request, Response
from fastapi.responses import JSONResponse

from modelyard.api.alchemite import protocol as wire
from modelyard.api.alchemite import translate
from modelyard.api.alchemite.auth import allowed
from modelyard.api.deps import SessionDep, StoreDep
from modelyard.api.openapi import file_download, raw_body
from modelyard.api.permissions import Scope
from modelyard.api.responses import no_content
from modelyard.api.routing import Router
from modelyard.api.streaming import ThreadedStream
from modelyard.core.data.datasets.service import staged_file
from modelyard.core.tabular import service

router = Router(prefix="/models/{id}/dataset")
FLUSH = 4 * 1024 * 1024
"""Body bytes gathered in memory before one write to the file, made off the event loop."""


async def staged_body(request: Request, store: StoreDep) -> AsyncIterator[Path]:
    """The raw request body in a file where the store can take it by rename, removed after the
    request unless the route moved it into the store."""
    path = staged_file(store, "upload-")
    try:
        with path.open("wb") as out:
            parts: list[bytes] = []
            gathered = 0
            async for part in request.stream():
                parts.append(part)
                gathered += len(part)
                if gathered >= FLUSH:
                    await anyio.to_thread.run_sync(_write, out, parts)
                    parts, gathered = [], 0
            if parts:
                await anyio.to_thread.run_sync(_write, out, parts)
        yield path
    finally:
        path.unlink(missing_ok=True)


def _write(out: BinaryIO, parts: list[bytes]) -> None:
    out.writelines(parts)


BodyFile = Annotated[Path, Depends(staged_body)]


@router.post("", status_code=201)
def models_id_dataset_post(
    id: str,
    body: wire.DatasetIn,
    session: SessionDep,
    store: StoreDep,
    scope: Annotated[Scope, allowed("datasets.create")],
) -> JSONResponse:
    data = translate.dataset_create(body)
    created = service.upload_dataset(session, store, scope.project, id, data)
    return JSONResponse(str(created.id), status_code=201)


@router.put("")
def models_id_dataset_put(
    id: str,
    body: wire.DatasetPutIn,
    session: SessionDep,
    scope: Annotated[Scope, allowed("tabular_models.update")],
) -> Response:
    service.set_training_dataset(session, scope.project, id, body.training_dataset_id)
    return Response(status_code=200, media_type="application/json")


@router.get("")
def models_id_dataset_get(
    id: str, session: SessionDep, scope: Annotated[Scope, allowed("datasets.get")]
) -> dict[str, Any]:
    return translate.dataset(service.training_dataset(session, scope.project, id))


@router.delete("", status_code=204)
def models_id_dataset_delete(
    id: str,
    session: SessionDep,
    store: StoreDep,
    scope: Annotated[Scope, allowed("datasets.delete")],
) -> Response:
    service.delete_training_dataset(session, store, scope.project, id)
    return no_content()


@router.get("/download", **file_download("text/csv"))
def models_id_dataset_download_get(
    id: str,
    session: SessionDep,
    store: StoreDep,
    scope: Annotated[Scope, allowed("datasets.download")],
) -> ThreadedStream:
    stream = service.download(session, store, scope.project, id)
    return ThreadedStream(stream, media_type="text/csv")


@router.post("/uploaded")
def models_id_dataset_uploaded_post(
    id: str,
    session: SessionDep,
    store: StoreDep,
    scope: Annotated[Scope, allowed("datasets.update")],
) -> Response:
    service.finish_upload(session, store, scope.project, id)
    return Response(status_code=200, media_type="application/json")


@router.put(
    "/chunks/{chunk_number}",
    status_code=201,
    openapi_extra=raw_body({"text/csv": {"schema": {"type": "string"}}}),
)
def models_id_dataset_chunks_chunk_number_put(
    id: str,
    chunk_number: int,
    scope: Annotated[Scope, allowed("datasets.update")],
    body: BodyFile,
    session: SessionDep,
    store: StoreDep,
) -> Response:
    service.put_chunk(session, store, scope.project, id, chunk_number, body)
    return Response(status_code=201, media_type="application/json")


@router.get("/chunks")
def models_id_dataset_chunks_get(
    id: str, session: SessionDep, scope: Annotated[Scope, allowed("datasets.get")]
) -> list[dict[str, Any]]:
    return [translate.chunk(c) for c in service.list_chunks(session, scope.project, id)]


@router.delete("/chunks", status_code=204)
def models_id_dataset_chunks_delete(
    id: str,
    session: SessionDep,
    store: StoreDep,
    scope: Annotated[Scope, allowed("datasets.update")],
) -> Response:
    service.restart_upload(session, store, scope.project, id)
    return no_content()


@router.get("/chunks/{chunk_number}")
def models_id_dataset_chunks_chunk_number_get(
    id: str,
    chunk_number: int,
    session: SessionDep,
    scope: Annotated[Scope, allowed("datasets.get")],
) -> dict[str, Any]:
    return translate.chunk(service.get_chunk(session, scope.project, id, chunk_number))


@router.delete("/chunks/{chunk_number}", status_code=204)
def models_id_dataset_chunks_chunk_number_delete(
    id: str,
    chunk_number: int,
    session: SessionDep,
    store: StoreDep,
    scope: Annotated[Scope, allowed("datasets.update")],
) -> Response:
    service.delete_chunk(session, store, scope.project, id, chunk_number)
    return no_content()
