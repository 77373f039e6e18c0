"""Schemas of the pipelines domain: what services take (``*Create``, ``*Update``) and give back."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from modelyard.core.fields.schemas import FieldSpec


class Schema(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class PipelineCreate(Schema):
    name: str
    input_type: str
    input_fields: list[FieldSpec] = []
    description: str | None = None


class PipelineUpdate(Schema):
    """Only the fields set are changed; a new ``input_type`` replaces the fields too."""

    name: str | None = None
    description: str | None = None
    input_type: str | None = None
    input_fields: list[FieldSpec] | None = None


class PipelineRead(Schema):
    id: uuid.UUID
    name: str
    project: str
    description: str | None
    input_type: str
    input_fields: list[FieldSpec]
    creation_date: datetime
    last_updated: datetime


class ObjectCreate(Schema):
    name: str
    reference_type: str
    reference_name: str
    version: str | None = None


class ObjectUpdate(Schema):
    name: str | None = None
    version: str | None = None


class ObjectRead(Schema):
    """An object with the input and output of what it references (none for a connector's output)."""

    id: uuid.UUID
    name: str
    reference_type: str
    reference_name: str
    version: str | None
    input_type: str
    input_fields: list[FieldSpec]
    output_type: str | None
    output_fields: list[FieldSpec]


class FieldMapping(Schema):
    source_field_name: str
    destination_field_name: str


class AttachmentCreate(Schema):
    source_name: str
    destination_name: str
    mapping: list[FieldMapping] = []


class AttachmentRead(Schema):
    id: uuid.UUID
    source_name: str
    destination_name: str
    mapping: list[FieldMapping]


class ObjectRequest(Schema):
    """What one object of a pipeline request did: a model request, or a connector delivery."""

    request_id: str | None
    pipeline_object: str
    success: bool
    request_data: Any = None
    result: Any = None
    error_message: str | None = None
    time_created: datetime
    time_last_updated: datetime


class PipelineRequestResult(Schema):
    """A whole pipeline request: every object that ran, and whether all of them succeeded."""

    pipeline_request_id: str
    project: str
    pipeline: str
    success: bool
    error_message: str | None = None
    model_requests: list[ObjectRequest]


class BatchPipelineRequestRead(Schema):
    """A queued pipeline request; ``status`` is a job status (queued … failed)."""

    id: uuid.UUID
    status: str
    success: bool
    request_data: Any
    model_requests: list[ObjectRequest]
    error_message: str | None
    time_created: datetime
    time_last_updated: datetime
