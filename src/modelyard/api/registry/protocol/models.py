"""Request bodies of models, runs, datasets and record updates.

The framework's ``JSONB`` fields take a JSON object or a string holding one; unknown fields are
ignored, as Litestar's pydantic models ignore them.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field


def _object(value: Any) -> Any:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as exc:
            raise ValueError(f"is not valid JSON: {exc.msg}") from exc
    if value is not None and not isinstance(value, dict):
        raise ValueError("must be a JSON object")
    return value


JSONB = Annotated[dict[str, Any] | None, BeforeValidator(_object)]


class _Wire(BaseModel):
    model_config = ConfigDict(extra="ignore", protected_namespaces=())


class ModelInput(_Wire):
    model_name: str = Field(min_length=1, max_length=255)
    model_url: str | None = Field(default=None, max_length=1024)
    model_info: JSONB = None
    experiment_name: str | None = Field(default=None, max_length=255)


class ModelUpdateInput(_Wire):
    model_name: str | None = Field(default=None, min_length=1, max_length=255)
    model_url: str | None = Field(default=None, max_length=1024)
    model_info: JSONB = None


class ModelRunInput(_Wire):
    model_run_info: JSONB = None


class ModelDatasetInput(_Wire):
    dataset_name: str = Field(min_length=1, max_length=255)
    collection_date: date | datetime | None = None
    dataset_info: JSONB = None
    experiment_name: str | None = Field(default=None, max_length=255)


class ModelRecordUpdate(_Wire):
    model_data: JSONB = None
    record_info: JSONB = None


class ModelRecordLine(_Wire):
    """One line of a bulk add (``POST /id/{model_id}/records/bulk``, ndjson): the fields of
    the single add's form, as JSON. A line has no file, and a field the form does not have
    (a misspelt one, ``record_file``) is refused rather than dropped."""

    model_config = ConfigDict(extra="forbid", protected_namespaces=())

    timestamp: datetime
    model_data: Annotated[dict[str, Any], BeforeValidator(_object)]
    collection_date: date | datetime | None = None
    dataset_name: str | None = Field(default=None, max_length=255)
    experiment_name: str | None = Field(default=None, max_length=255)
    season_name: str | None = Field(default=None, max_length=255)
    site_name: str | None = Field(default=None, max_length=255)
    record_info: JSONB = None
