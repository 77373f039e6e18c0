"""Wire models of models, versions, packages and direct requests."""

from __future__ import annotations

from typing import Any

from modelyard.api.ubiops.protocol import Id, Timestamp, Wire


class Field(Wire):
    name: str
    data_type: str


class ModelCreate(Wire):
    name: str
    input_type: str
    output_type: str
    input_fields: list[Field] | None = None
    output_fields: list[Field] | None = None
    description: str | None = None


class ModelUpdate(Wire):
    name: str | None = None
    description: str | None = None


class ModelList(Wire):
    id: Id
    name: str
    project: str
    description: str | None
    input_type: str
    output_type: str
    input_fields: list[Field]
    output_fields: list[Field]
    creation_date: Timestamp
    last_updated: Timestamp
    number_of_versions: int


class ModelVersionCreate(Wire):
    version: str
    language: str | None = None
    memory_allocation: int | None = None
    maximum_instances: int | None = None
    minimum_instances: int | None = None
    maximum_idle_time: int | None = None
    description: str | None = None


class ModelVersionUpdate(Wire):
    """The seed's partial body, or the client's whole ``ModelVersionCreate``: both fit."""

    version: str | None = None
    language: str | None = None
    memory_allocation: int | None = None
    maximum_instances: int | None = None
    minimum_instances: int | None = None
    maximum_idle_time: int | None = None
    description: str | None = None


class ModelVersionList(Wire):
    id: Id
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
    creation_date: Timestamp
    last_updated: Timestamp
    file_last_updated: Timestamp | None


class Success(Wire):
    success: bool


class ModelRequestList(Wire):
    request_id: str
    success: bool
    result: Any = None
    error_message: str | None = None
