"""Models, experiments, runs and datasets on the wire (the framework's ``*Output`` shapes)."""

from __future__ import annotations

from datetime import date
from typing import Any

from modelyard.api.registry.protocol.models import (
    ModelDatasetInput,
    ModelInput,
    ModelRecordUpdate,
    ModelRunInput,
    ModelUpdateInput,
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


def _day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _midnight(value: date | None) -> str | None:
    """The framework keeps a dataset's collection date as a timestamp."""
    return None if value is None else f"{value.isoformat()}T00:00:00"


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


def model(read: ModelRead) -> dict[str, Any]:
    return {
        "id": str(read.id),
        "model_name": read.model_name,
        "model_url": read.model_url,
        "model_info": read.model_info,
    }


def experiment(read: ExperimentRead) -> dict[str, Any]:
    return {
        "id": str(read.id),
        "experiment_name": read.experiment_name,
        "experiment_info": read.experiment_info,
        "experiment_start_date": _day(read.experiment_start_date),
        "experiment_end_date": _day(read.experiment_end_date),
    }


def run(read: RunRead) -> dict[str, Any]:
    return {
        "id": str(read.id),
        "model_id": str(read.model_id),
        "model_name": read.model_name,
        "model_run_info": read.model_run_info,
    }


def dataset(read: DatasetRead) -> dict[str, Any]:
    return {
        "id": str(read.id),
        "dataset_name": read.dataset_name,
        "collection_date": _midnight(read.collection_date),
        "dataset_info": read.dataset_info,
        "dataset_type_id": read.dataset_type_id,
    }
