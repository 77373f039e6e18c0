"""Translation of models, versions and request results."""

from __future__ import annotations

from modelyard.api.ubiops.protocol import models as wire
from modelyard.core.serving.schemas import (
    FieldSpec,
    ModelCreate,
    ModelRead,
    ModelUpdate,
    RequestResult,
    VersionCreate,
    VersionRead,
    VersionUpdate,
)


def _fields(fields: list[wire.Field] | None) -> list[FieldSpec]:
    return [FieldSpec(name=f.name, data_type=f.data_type) for f in fields or []]


def model_create(body: wire.ModelCreate) -> ModelCreate:
    return ModelCreate(
        name=body.name,
        input_type=body.input_type,
        output_type=body.output_type,
        input_fields=_fields(body.input_fields),
        output_fields=_fields(body.output_fields),
        description=body.description,
    )


def model_update(body: wire.ModelUpdate) -> ModelUpdate:
    return ModelUpdate.model_validate(body.model_dump(exclude_unset=True))


def model(row: ModelRead) -> wire.ModelList:
    return wire.ModelList.model_validate(row, from_attributes=True)


def version_create(body: wire.ModelVersionCreate) -> VersionCreate:
    return VersionCreate.model_validate(body.model_dump(exclude_none=True))


def version_update(body: wire.ModelVersionUpdate) -> VersionUpdate:
    return VersionUpdate.model_validate(body.model_dump(exclude_unset=True))


def version(row: VersionRead) -> wire.ModelVersionList:
    return wire.ModelVersionList.model_validate(row, from_attributes=True)


def request_result(result: RequestResult) -> wire.ModelRequestList:
    return wire.ModelRequestList.model_validate(result, from_attributes=True)
