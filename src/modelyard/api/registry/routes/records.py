"""``/api/models/id/{model_id}/records`` and ``/api/models/records/id/{record_id}``: records
added as multipart forms (or many at once as ndjson), read one at a time, and streamed as
ndjson."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import Body, Depends, File, Form, Query, Request, Response, UploadFile
from fastapi.responses import RedirectResponse

from modelyard.api.deps import BoxDep, ContextDep, SessionDep, StoreDep
from modelyard.api.openapi import file_download, raw_body
from modelyard.api.permissions import Scope
from modelyard.api.registry.auth import allowed
from modelyard.api.registry.protocol.models import ModelRecordLine, ModelRecordUpdate
from modelyard.api.registry.protocol.outputs import ModelRecordOutput, ModelRecordsAddedOutput
from modelyard.api.registry.routes import route
from modelyard.api.registry.translate import models as wire_models
from modelyard.api.registry.translate import records as wire
from modelyard.api.responses import no_content
from modelyard.api.routing import Router
from modelyard.api.streaming import ThreadedStream
from modelyard.core.tracking import record_batch, records
from modelyard.core.tracking.schemas import UploadedFile

router = Router()
NDJSON = "application/ndjson"
FormText = Annotated[str | None, Form()]
REDIRECT: dict[str, Any] = {
    "status_code": 302,
    "response_class": RedirectResponse,
    "responses": {
        302: {
            "description": "To the file's signed, expiring link",
            "headers": {"Location": {"schema": {"type": "string", "format": "uri"}}},
        }
    },
}


@route(router, "POST", "/id/{model_id}/records", status_code=201)
def add_record(
    model_id: str,
    session: SessionDep,
    store: StoreDep,
    scope: Annotated[Scope, allowed("tracking.records.create")],
    timestamp: Annotated[datetime, Form()],
    model_data: Annotated[str, Form()],
    collection_date: Annotated[date | datetime | None, Form()] = None,
    dataset_name: FormText = None,
    experiment_name: FormText = None,
    season_name: FormText = None,
    site_name: FormText = None,
    record_info: FormText = None,
    record_file: Annotated[UploadFile | None, File()] = None,
) -> ModelRecordOutput:
    data = wire.record_create(
        timestamp=timestamp,
        model_data=model_data,
        collection_date=collection_date,
        dataset_name=dataset_name,
        experiment_name=experiment_name,
        season_name=season_name,
        site_name=site_name,
        record_info=record_info,
    )
    upload = None
    if record_file is not None:
        upload = UploadedFile(
            record_file.filename or "", record_file.content_type, record_file.file
        )
    added = records.add_record(session, store, scope.project, model_id, data, upload)
    return wire.record(added)


async def ndjson_body(request: Request) -> bytes:
    """A bulk add's body, read whole (its size is bounded by ``MODELYARD_MAX_UPLOAD_MB``)."""
    return await request.body()


LINES = {
    "schema": {"type": "string", "description": "One ModelRecordLine object per line"},
    "x-ndjson-line": ModelRecordLine.model_json_schema(),
}
BULK_BODY = {NDJSON: LINES, "text/plain": LINES}
"""The body is read as it comes, whatever its type: ndjson, or the same lines as plain text
(which generic clients and fuzzers know how to send)."""


@route(
    router,
    "POST",
    "/id/{model_id}/records/bulk",
    status_code=201,
    openapi_extra=raw_body(BULK_BODY),
)
def add_records(
    model_id: str,
    body: Annotated[bytes, Depends(ndjson_body)],
    session: SessionDep,
    scope: Annotated[Scope, allowed("tracking.records.create")],
) -> ModelRecordsAddedOutput:
    """Records in bulk: an ndjson body, one record per line with the single add's fields
    (no file); all are added or none (400 naming the line and field, 409 naming the record)."""
    batch = wire.record_lines(body)
    return wire.records_added(record_batch.add_records(session, scope.project, model_id, batch))


@route(router, "GET", "/id/{model_id}/records", **file_download(NDJSON))
def search_records(
    model_id: str,
    session: SessionDep,
    context: ContextDep,
    scope: Annotated[Scope, allowed("tracking.records.list")],
    experiment_name: str | None = None,
    season_name: str | None = None,
    site_name: str | None = None,
    collection_date: date | datetime | None = None,
    dataset_name: str | None = None,
) -> ThreadedStream:
    query = wire.search_query(
        collection_date=collection_date,
        dataset_name=dataset_name,
        experiment_name=experiment_name,
        season_name=season_name,
        site_name=site_name,
    )
    lines = records.open_stream(session, context.engine, scope.project, model_id, query)
    return ThreadedStream(lines, media_type=NDJSON)


@route(router, "GET", "/id/{model_id}/records/filter", **file_download(NDJSON))
def filter_records(
    model_id: str,
    session: SessionDep,
    context: ContextDep,
    scope: Annotated[Scope, allowed("tracking.records.list")],
    start_timestamp: datetime | None = None,
    end_timestamp: datetime | None = None,
    dataset_names: Annotated[list[str] | None, Query()] = None,
    experiment_names: Annotated[list[str] | None, Query()] = None,
    season_names: Annotated[list[str] | None, Query()] = None,
    site_names: Annotated[list[str] | None, Query()] = None,
) -> ThreadedStream:
    query = wire.filter_query(
        start_timestamp=start_timestamp,
        end_timestamp=end_timestamp,
        dataset_names=dataset_names,
        experiment_names=experiment_names,
        season_names=season_names,
        site_names=site_names,
    )
    lines = records.open_stream(session, context.engine, scope.project, model_id, query)
    return ThreadedStream(lines, media_type=NDJSON)


@route(router, "GET", "/records/id/{record_id}")
def get_record(
    record_id: str,
    session: SessionDep,
    scope: Annotated[Scope, allowed("tracking.records.get")],
) -> ModelRecordOutput:
    return wire.record(records.get_record(session, scope.project, record_id))


@route(router, "PATCH", "/records/id/{record_id}")
def update_record(
    record_id: str,
    body: Annotated[ModelRecordUpdate, Body()],
    session: SessionDep,
    scope: Annotated[Scope, allowed("tracking.records.update")],
) -> ModelRecordOutput:
    changes = wire_models.record_update(body)
    return wire.record(records.update_record(session, scope.project, record_id, changes))


@route(router, "DELETE", "/records/id/{record_id}", status_code=204)
def delete_record(
    record_id: str,
    session: SessionDep,
    store: StoreDep,
    scope: Annotated[Scope, allowed("tracking.records.delete")],
) -> Response:
    records.delete_record(session, store, scope.project, record_id)
    return no_content()


@route(router, "GET", "/records/id/{record_id}/download", **REDIRECT)
def download_record_file(
    record_id: str,
    request: Request,
    session: SessionDep,
    box: BoxDep,
    scope: Annotated[Scope, allowed("tracking.records.download")],
) -> RedirectResponse:
    token = records.file_link(session, scope.project, record_id, box=box)
    return RedirectResponse(str(request.url_for("registry_file", token=token)), status_code=302)
