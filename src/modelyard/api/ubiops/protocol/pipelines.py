"""Wire models of pipelines, pipeline objects, attachments and pipeline requests."""

from __future__ import annotations

from typing import Any

from modelyard.api.ubiops.protocol import Id, Timestamp, Wire
from modelyard.api.ubiops.protocol.models import Field


class PipelineCreate(Wire):
    name: str
    input_type: str
    input_fields: list[Field] | None = None
    description: str | None = None


class PipelineUpdate(Wire):
    """The client sends a whole ``PipelineCreate`` (unset fields as null): null leaves a field."""

    name: str | None = None
    input_type: str | None = None
    input_fields: list[Field] | None = None
    description: str | None = None


class PipelineList(Wire):
    id: Id
    name: str
    project: str
    description: str | None
    input_type: str
    input_fields: list[Field]
    creation_date: Timestamp
    last_updated: Timestamp


class PipelineObjectCreate(Wire):
    name: str
    reference_type: str
    reference_name: str
    version: str | None = None


class PipelineObjectUpdate(Wire):
    name: str | None = None
    version: str | None = None


class PipelineObjectList(Wire):
    id: Id
    name: str
    reference_type: str
    reference_name: str
    version: str | None
    input_type: str
    input_fields: list[Field]
    output_type: str | None
    output_fields: list[Field]


class AttachmentField(Wire):
    source_field_name: str
    destination_field_name: str


class AttachmentsCreate(Wire):
    source_name: str
    destination_name: str
    mapping: list[AttachmentField] | None = None


class AttachmentsList(Wire):
    id: Id
    source_name: str
    destination_name: str
    mapping: list[AttachmentField]


class PipelineRequestModelRequest(Wire):
    request_id: str | None
    pipeline_object: str
    success: bool
    request_data: Any = None
    result: Any = None
    error_message: str | None = None


class PipelineRequestList(Wire):
    project: str
    pipeline: str
    pipeline_request_id: str
    model_requests: list[PipelineRequestModelRequest]


class BatchPipelineRequestModelRequest(PipelineRequestModelRequest):
    id: str | None
    time_created: str
    time_last_updated: str


class BatchPipelineRequestCreateResponse(Wire):
    id: str
    status: str
    time_created: str


class BatchPipelineRequestListResponse(BatchPipelineRequestCreateResponse):
    success: bool
    time_last_updated: str


class BatchPipelineRequestResultList(BatchPipelineRequestListResponse):
    request_data: Any = None
    model_requests: list[BatchPipelineRequestModelRequest]
    error_message: str | None = None
