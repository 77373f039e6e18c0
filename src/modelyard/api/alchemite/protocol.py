"""Wire models of the Alchemite dialect, in the client's camelCase (``alchemite-apiclient``
0.65.0: ``Model``, ``Dataset``, ``DatasetChunk``, ``ModelsDatasetPutRequest``,
``PredictRequest``/``ImputeRequest``, ``TrainRequest``). Responses are plain dicts built in
``translate.py``, leaving out every unset optional field, which the client demands."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Wire(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="ignore")


class ModelIn(Wire):
    name: str
    training_method: str = Field("alchemite", alias="trainingMethod")
    tags: list[str] = Field(default_factory=list)
    notes: str | None = None


class DatasetIn(Wire):
    name: str
    row_count: int = Field(alias="rowCount")
    column_headers: list[str] = Field(alias="columnHeaders")
    descriptor_columns: list[int] = Field(alias="descriptorColumns")
    tags: list[str] = Field(default_factory=list)
    notes: str | None = None
    complete_columns: list[int] | None = Field(None, alias="completeColumns")
    data: str | None = None
    categorical_columns: list[dict[str, Any]] | None = Field(None, alias="categoricalColumns")
    measurement_groups: list[int] | None = Field(None, alias="measurementGroups")
    vector_pairs: list[list[str]] | None = Field(None, alias="vectorPairs")
    revises_id: str | None = Field(None, alias="revisesId")


class DatasetPutIn(Wire):
    training_dataset_id: str | None = Field(None, alias="trainingDatasetId")


class TrainIn(Wire):
    """Training options; the estimator here takes none of them yet, so all are accepted."""

    validation: str | None = None


class RowsIn(Wire):
    data: str | None = None
    dataset_id: str | None = Field(None, alias="datasetId")
    return_row_headers: bool = Field(True, alias="returnRowHeaders")
    return_column_headers: bool = Field(True, alias="returnColumnHeaders")
    return_probability_distribution: bool = Field(False, alias="returnProbabilityDistribution")
