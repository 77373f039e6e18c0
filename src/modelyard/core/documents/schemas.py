"""Schemas of the documents domain, named as the Leia wire names them (the dialect's only
vendor), so the callback outbox can post a job as the client expects it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

TERMINAL = frozenset({"PROCESSED", "FAILED", "CANCELED"})
PENDING = frozenset({"BLOCKED", "WAITING", "READY"})
RUNNING = frozenset({"STARTING", "LOADING_MODEL", "PROCESSING"})


class Schema(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class DocumentCreate(Schema):
    filename: str
    tags: list[str] = []


class DocumentRead(Schema):
    id: str
    application_id: str
    filename: str
    extension: str
    mime_type: str
    size: int
    md5sum: str
    tags: list[str]
    original_id: str | None
    creation_time: datetime


class DocumentQuery(Schema):
    document_id: str | None = None
    filename: str | None = None
    extension: str | None = None
    mime_type: str | None = None
    original_id: str | None = None
    tags: list[str] = []
    created_after: datetime | None = None
    created_before: datetime | None = None
    sort: str | None = None
    offset: int = 0
    limit: int | None = None


class ModelFields(Schema):
    """What the caller says of a model (the rest comes from its file)."""

    name: str
    short_name: str | None = None
    description: str | None = None
    ttl: float | None = None
    tags: list[str] = []
    allowed_application_ids: list[str] = []
    allow_all_applications: bool = False


class ModelUpdate(Schema):
    name: str | None = None
    short_name: str | None = None
    description: str | None = None
    ttl: float | None = None
    allowed_application_ids: list[str] | None = None
    allow_all_applications: bool | None = None


class ModelRead(Schema):
    id: str
    application_id: str
    name: str
    short_name: str | None
    description: str | None
    ttl: float
    tags: list[str]
    allowed_application_ids: list[str]
    allow_all_applications: bool
    model_type: str
    model_module: str
    model_clazz: str
    input_types: list[str]
    output_format: Any = None
    documentation: str | None
    size: float
    md5sum: str
    creation_time: datetime


class ModelQuery(Schema):
    model_id: str | None = None
    application_id: str | None = None
    model_type: str | None = None
    name: str | None = None
    short_name: str | None = None
    description: str | None = None
    input_types: list[str] = []
    tags: list[str] = []
    created_after: datetime | None = None
    created_before: datetime | None = None
    only_mine: bool = False
    sort: str | None = None
    offset: int = 0
    limit: int | None = None


class JobOptions(Schema):
    """What apply and train jobs share: chaining, holding, the callback, and the parameters
    handed to the model (a dict, ``{}`` when the job names none: model code calls
    ``model_params.get``)."""

    execute_after_id: str | None = None
    block_processing: bool = False
    callback_url: str | None = None
    callback_headers: dict[str, Any] | None = None
    model_params: dict[str, Any] = {}


class ApplyRequest(JobOptions):
    document_ids: list[str]
    tag: str | None = None
    format_type: str | None = None
    page_range: str | None = None


class TrainRequest(JobOptions):
    model_module: str
    documents_tag: str
    model: ModelFields


class JobRead(Schema):
    id: str
    application_id: str
    job_type: str
    model_id: str | None
    document_ids: list[str]
    status: str
    execute_after_id: str | None
    callback_url: str | None
    result: Any = None
    result_type: str | None
    reason: str | None
    creation_time: datetime
    starting_time: datetime | None
    finished_time: datetime | None


class JobQuery(Schema):
    job_id: str | None = None
    job_type: str | None = None
    model_id: str | None = None
    document_id: str | None = None
    execute_after_id: str | None = None
    status: str | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None
    sort: str | None = None
    offset: int = 0
    limit: int | None = None


class Page(Schema):
    """One page of a listing and the total it was cut from (for ``Content-Range``)."""

    items: list[Any]
    offset: int
    total: int
