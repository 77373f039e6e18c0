"""``/models/{id}/dataset``: the model's training dataset, uploaded whole or in chunks."""

from __future__ import annotations

from collections.abc import AsyncIterator
from tempfile import SpooledTemporaryFile
from typing import Annotated, Any

from fastapi import Depends, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, StreamingResponse

from modelyard.api.alchemite import protocol as wire
from modelyard.api.alchemite import translate
from modelyard.api.alchemite.auth import allowed
from modelyard.api.deps import SessionDep, StoreDep
from modelyard.api.openapi import file_download, raw_body
from modelyard.api.permissions import Scope
from modelyard.api.responses import no_content
from modelyard.api.routing import Router
from modelyard.core.tabular import service

router = Router(prefix="/models/{id}/dataset")
SPOOL = 1024 * 1024


async def spooled_body(request: Request) -> AsyncIterator[SpooledTemporaryFile[bytes]]:
    """The raw request body, streamed to a temporary file (in memory up to 1 MB)."""
    with SpooledTemporaryFile(max_size=SPOOL) as spool:
        async for part in request.stream():
            await run_in_threadpool(spool.write, part)
        spool.seek(0)
        yield spool


BodyFile = Annotated[SpooledTemporaryFile[bytes], Depends(spooled_body)]


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
) -> StreamingResponse:
    stream = service.download(session, store, scope.project, id)
    return StreamingResponse(stream, media_type="text/csv")


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
    body: BodyFile,
    session: SessionDep,
    store: StoreDep,
    scope: Annotated[Scope, allowed("datasets.update")],
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
