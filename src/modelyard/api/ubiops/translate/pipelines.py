"""Translation of pipelines, objects, attachments and pipeline requests."""

from __future__ import annotations

from typing import Any

from modelyard.api.ubiops.protocol import models as model_wire
from modelyard.api.ubiops.protocol import pipelines as wire
from modelyard.api.ubiops.translate import timestamp
from modelyard.core.fields.schemas import FieldSpec
from modelyard.core.jobs.states import ubiops_status
from modelyard.core.pipelines.schemas import (
    AttachmentCreate,
    AttachmentRead,
    BatchPipelineRequestRead,
    FieldMapping,
    ObjectCreate,
    ObjectRead,
    ObjectRequest,
    ObjectUpdate,
    PipelineCreate,
    PipelineRead,
    PipelineRequestResult,
    PipelineUpdate,
)


def _specs(fields: list[model_wire.Field] | None) -> list[FieldSpec]:
    return [FieldSpec(name=f.name, data_type=f.data_type) for f in fields or []]


def _wire_fields(fields: list[FieldSpec]) -> list[model_wire.Field]:
    return [model_wire.Field(name=f.name, data_type=f.data_type) for f in fields]


def pipeline_create(body: wire.PipelineCreate) -> PipelineCreate:
    return PipelineCreate(
        name=body.name,
        input_type=body.input_type,
        input_fields=_specs(body.input_fields),
        description=body.description,
    )


def pipeline_update(body: wire.PipelineUpdate) -> PipelineUpdate:
    given = body.model_dump(exclude_unset=True)
    if body.input_fields is not None:
        given["input_fields"] = _specs(body.input_fields)
    return PipelineUpdate.model_validate(given)


def pipeline(row: PipelineRead) -> wire.PipelineList:
    return wire.PipelineList.model_validate(row, from_attributes=True)


def object_create(body: wire.PipelineObjectCreate) -> ObjectCreate:
    return ObjectCreate.model_validate(body.model_dump())


def object_update(body: wire.PipelineObjectUpdate) -> ObjectUpdate:
    return ObjectUpdate.model_validate(body.model_dump(exclude_none=True))


def pipeline_object(row: ObjectRead) -> wire.PipelineObjectList:
    return wire.PipelineObjectList.model_validate(row, from_attributes=True)


def attachment_create(body: wire.AttachmentsCreate) -> AttachmentCreate:
    return AttachmentCreate(
        source_name=body.source_name,
        destination_name=body.destination_name,
        mapping=[FieldMapping.model_validate(m.model_dump()) for m in body.mapping or []],
    )


def attachment(row: AttachmentRead) -> wire.AttachmentsList:
    return wire.AttachmentsList.model_validate(row, from_attributes=True)


def _model_request(record: ObjectRequest) -> wire.PipelineRequestModelRequest:
    return wire.PipelineRequestModelRequest.model_validate(record, from_attributes=True)


def request_result(result: PipelineRequestResult) -> wire.PipelineRequestList:
    return wire.PipelineRequestList.model_validate(result, from_attributes=True)


def created(request: BatchPipelineRequestRead) -> wire.BatchPipelineRequestCreateResponse:
    return wire.BatchPipelineRequestCreateResponse(
        id=str(request.id),
        status=ubiops_status(request.status),
        time_created=timestamp(request.time_created),
    )


def listed(request: BatchPipelineRequestRead) -> wire.BatchPipelineRequestListResponse:
    return wire.BatchPipelineRequestListResponse(
        id=str(request.id),
        status=ubiops_status(request.status),
        success=request.success,
        time_created=timestamp(request.time_created),
        time_last_updated=timestamp(request.time_last_updated),
    )


def _batch_model_request(record: ObjectRequest) -> wire.BatchPipelineRequestModelRequest:
    return wire.BatchPipelineRequestModelRequest(
        **_model_request(record).model_dump(),
        id=record.request_id,
        time_created=timestamp(record.time_created),
        time_last_updated=timestamp(record.time_last_updated),
    )


def _request_data(data: Any) -> Any:
    """The client reads ``request_data`` as a dict of strings: plain input cannot be one."""
    return data if isinstance(data, dict) else None


def result(request: BatchPipelineRequestRead) -> wire.BatchPipelineRequestResultList:
    return wire.BatchPipelineRequestResultList(
        **listed(request).model_dump(),
        request_data=_request_data(request.request_data),
        model_requests=[_batch_model_request(r) for r in request.model_requests],
        error_message=request.error_message,
    )
