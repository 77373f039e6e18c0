"""Schemas of the serving domain; a model's fields are ``core.fields``' ``FieldSpec``."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from modelyard.core.fields.schemas import FieldSpec as FieldSpec


class Schema(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class ModelCreate(Schema):
    name: str
    input_type: str
    output_type: str
    input_fields: list[FieldSpec] = []
    output_fields: list[FieldSpec] = []
    description: str | None = None


class ModelUpdate(Schema):
    name: str | None = None
    description: str | None = None


class ModelRead(Schema):
    id: uuid.UUID
    name: str
    project: str
    description: str | None
    input_type: str
    output_type: str
    input_fields: list[FieldSpec]
    output_fields: list[FieldSpec]
    creation_date: datetime
    last_updated: datetime
    number_of_versions: int


class VersionCreate(Schema):
    version: str
    language: str = "python3.7"
    memory_allocation: int = 2048
    maximum_instances: int = 5
    minimum_instances: int = 0
    maximum_idle_time: int = 300
    description: str | None = None


class VersionUpdate(Schema):
    """Only the fields set are changed."""

    version: str | None = None
    language: str | None = None
    memory_allocation: int | None = None
    maximum_instances: int | None = None
    minimum_instances: int | None = None
    maximum_idle_time: int | None = None
    description: str | None = None


class VersionRead(Schema):
    id: uuid.UUID
    model: str
    version: str
    description: str | None
    language: str
    status: str
    error_message: str | None
    memory_allocation: int
    maximum_instances: int
    minimum_instances: int
    maximum_idle_time: int
    creation_date: datetime
    last_updated: datetime
    file_last_updated: datetime | None
    revision: int


class BuildRead(Schema):
    id: uuid.UUID
    version_id: uuid.UUID
    revision: int
    status: str
    log: str
    error_message: str | None
    environment_key: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class PackageDownload(Schema):
    """Where a version's current package is stored, and what to call it."""

    storage_key: str
    filename: str
    size: int


class RequestResult(Schema):
    """What a request to a model gave: the output, or the reason it failed."""

    request_id: str
    success: bool
    result: Any = None
    error_message: str | None = None
