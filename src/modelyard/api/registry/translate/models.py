"""Models, experiments, runs and datasets on the wire (the framework's ``*Output`` shapes)."""

from __future__ import annotations

from modelyard.api.registry.protocol.models import (
    ModelDatasetInput,
    ModelInput,
    ModelRecordUpdate,
    ModelRunInput,
    ModelUpdateInput,
)
from modelyard.api.registry.protocol.outputs import (
    DatasetOutput,
    ExperimentOutput,
    ModelOutput,
    ModelRunOutput,
)
from modelyard.api.registry.translate.records import day_of, json_object
from modelyard.core.tracking.schemas import (
    DatasetCreate,
    DatasetRead,
    ExperimentRead,
    ModelCreate,
    ModelRead,
    ModelSearch,
    ModelUpdate,
    RecordUpdate,
    RunCreate,
    RunRead,
)


def model_create(body: ModelInput) -> ModelCreate:
    return ModelCreate.model_validate(body.model_dump())


def model_search(
    *,
    model_name: str | None,
    model_url: str | None,
    model_info: str | None,
    experiment_name: str | None,
) -> ModelSearch:
    """The search's ``model_info`` is a JSON object in a query value."""
    return ModelSearch(
        model_name=model_name,
        model_url=model_url,
        model_info=json_object("model_info", model_info),
        experiment_name=experiment_name,
    )


def model_update(body: ModelUpdateInput) -> ModelUpdate:
    return ModelUpdate.model_validate(body.model_dump(exclude_unset=True))


def run_create(body: ModelRunInput) -> RunCreate:
    return RunCreate(model_run_info=body.model_run_info)


def dataset_create(body: ModelDatasetInput) -> DatasetCreate:
    fields = body.model_dump()
    fields["collection_date"] = day_of(body.collection_date)
    return DatasetCreate.model_validate(fields)


def record_update(body: ModelRecordUpdate) -> RecordUpdate:
    return RecordUpdate(model_data=body.model_data, record_info=body.record_info)


def model(read: ModelRead) -> ModelOutput:
    return ModelOutput.model_validate(read, from_attributes=True)


def experiment(read: ExperimentRead) -> ExperimentOutput:
    return ExperimentOutput.model_validate(read, from_attributes=True)


def run(read: RunRead) -> ModelRunOutput:
    return ModelRunOutput.model_validate(read, from_attributes=True)


def dataset(read: DatasetRead) -> DatasetOutput:
    return DatasetOutput.model_validate(read, from_attributes=True)
