"""Core schemas to the Alchemite wire and back: pure functions, no I/O."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from modelyard.api.alchemite import protocol as wire
from modelyard.core.data.datasets.schemas import ChunkRead, DatasetCreate, DatasetRead
from modelyard.core.data.datasets.service import parse_id
from modelyard.core.tabular.schemas import TRAINED, RowsInput, TabularModelCreate, TabularModelRead

API_DEFINITION_VERSION = "0.65.0"
EXTRA_FIELDS = {
    "categoricalColumns": "categorical_columns",
    "measurementGroups": "measurement_groups",
    "vectorPairs": "vector_pairs",
    "revisesId": "revises_id",
}


def _seconds(moment: datetime | None) -> int | None:
    return None if moment is None else int(moment.timestamp())


def _present(fields: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in fields.items() if value is not None}


def model_create(body: wire.ModelIn) -> TabularModelCreate:
    return TabularModelCreate.model_validate(body, from_attributes=True)


def model(read: TabularModelRead) -> dict[str, Any]:
    trained = read.status == TRAINED
    return _present(
        {
            "id": str(read.id),
            "name": read.name,
            "trainingMethod": read.training_method,
            "tags": read.tags,
            "notes": read.notes,
            "status": read.status,
            "trainingDatasetId": str(read.training_dataset_id)
            if read.training_dataset_id
            else None,
            "trainingColumnHeaders": read.training_column_headers,
            "trainingStartTime": _seconds(read.training_start_time),
            "trainingCompletionTime": _seconds(read.training_completion_time),
            "trainingProgress": 100.0 if trained else 0.0,
            "validationMethod": "none",
            "detail": read.detail,
            "createdAt": _seconds(read.created_at),
        }
    )


def dataset_create(body: wire.DatasetIn) -> DatasetCreate:
    extras = {
        wire_name: getattr(body, attribute)
        for wire_name, attribute in EXTRA_FIELDS.items()
        if getattr(body, attribute)
    }
    return DatasetCreate(
        name=body.name,
        row_count=body.row_count,
        column_headers=body.column_headers,
        descriptor_columns=body.descriptor_columns,
        tags=body.tags,
        notes=body.notes,
        complete_columns=body.complete_columns,
        data=body.data,
        extras=extras,
    )


def dataset(read: DatasetRead) -> dict[str, Any]:
    return _present(
        {
            "id": str(read.id),
            "name": read.name,
            "tags": read.tags,
            "notes": read.notes,
            "status": read.status,
            "rowCount": read.row_count,
            "columnCount": len(read.column_headers),
            "columnHeaders": read.column_headers,
            "descriptorColumns": read.descriptor_columns,
            "completeColumns": read.complete_columns,
            "createdAt": _seconds(read.created_at),
            **read.extras,
        }
    )


def chunk(read: ChunkRead) -> dict[str, Any]:
    return {
        "chunkNumber": read.chunk_number,
        "rowCount": read.row_count,
        "columnCount": read.column_count,
        "createdAt": _seconds(read.created_at),
    }


def rows(body: wire.RowsIn | None) -> RowsInput:
    body = body or wire.RowsIn()
    dataset_id = parse_id(body.dataset_id, "datasetId") if body.dataset_id else None
    return RowsInput(
        data=body.data,
        dataset_id=dataset_id,
        return_row_headers=body.return_row_headers,
        return_column_headers=body.return_column_headers,
    )


def version(application_version: str) -> dict[str, str]:
    return {
        "APIDefinitionVersion": API_DEFINITION_VERSION,
        "APIApplicationVersion": application_version,
        "AlchemiteVersion": f"modelyard {application_version}",
    }
