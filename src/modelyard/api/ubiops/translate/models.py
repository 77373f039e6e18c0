"""Translation of models, versions and request results."""

from __future__ import annotations

from modelyard.api.ubiops.protocol import models as wire
from modelyard.api.ubiops.translate import timestamp
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
    return wire.ModelList(
        id=str(row.id),
        name=row.name,
        project=row.project,
        description=row.description,
        input_type=row.input_type,
        output_type=row.output_type,
        input_fields=[wire.Field(name=f.name, data_type=f.data_type) for f in row.input_fields],
        output_fields=[wire.Field(name=f.name, data_type=f.data_type) for f in row.output_fields],
        creation_date=timestamp(row.creation_date),
        last_updated=timestamp(row.last_updated),
        number_of_versions=row.number_of_versions,
    )


def version_create(body: wire.ModelVersionCreate) -> VersionCreate:
    return VersionCreate.model_validate(body.model_dump(exclude_none=True))


def version_update(body: wire.ModelVersionUpdate) -> VersionUpdate:
    return VersionUpdate.model_validate(body.model_dump(exclude_unset=True))


def version(row: VersionRead) -> wire.ModelVersionList:
    return wire.ModelVersionList(
        id=str(row.id),
        model=row.model,
        version=row.version,
        description=row.description,
        language=row.language,
        status=row.status,
        error_message=row.error_message,
        memory_allocation=row.memory_allocation,
        maximum_instances=row.maximum_instances,
        minimum_instances=row.minimum_instances,
        maximum_idle_time=row.maximum_idle_time,
        creation_date=timestamp(row.creation_date),
        last_updated=timestamp(row.last_updated),
        file_last_updated=timestamp(row.file_last_updated) if row.file_last_updated else None,
    )


def request_result(result: RequestResult) -> wire.ModelRequestList:
    return wire.ModelRequestList(
        request_id=result.request_id,
        success=result.success,
        result=result.result,
        error_message=result.error_message,
    )
