"""Response bodies: the framework's ``*Output`` shapes, every field present (nulls included).

Each is validated straight from the tracking core's ``*Read`` schema (``from_attributes``); the
wire forms the framework gives its values are the types here: ids as UUID text, dates as ISO
days, a dataset's collection date as a midnight timestamp, a record's timestamp as naive UTC.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, WithJsonSchema


def _midnight(value: Any) -> Any:
    """The framework keeps a dataset's collection date as a timestamp."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return datetime(value.year, value.month, value.day)
    return value


def _naive_utc(value: Any) -> Any:
    """The framework stores ``TIMESTAMP`` without a zone: UTC, without an offset."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


NAIVE_TIMESTAMP = {
    "type": "string",
    "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?$",
    "description": "ISO 8601 without an offset (UTC), as the framework writes it: not an RFC "
    "3339 date-time, which needs one",
}
MidnightTimestamp = Annotated[
    datetime | None,
    BeforeValidator(_midnight),
    WithJsonSchema({"anyOf": [NAIVE_TIMESTAMP, {"type": "null"}]}),
]
NaiveUTC = Annotated[datetime, BeforeValidator(_naive_utc), WithJsonSchema(NAIVE_TIMESTAMP)]
JSONObject = dict[str, Any] | None


class _Output(BaseModel):
    model_config = ConfigDict(from_attributes=True, protected_namespaces=())


class ModelOutput(_Output):
    id: uuid.UUID
    model_name: str
    model_url: str | None
    model_info: JSONObject


class ExperimentOutput(_Output):
    id: uuid.UUID
    experiment_name: str
    experiment_info: JSONObject
    experiment_start_date: date | None
    experiment_end_date: date | None


class ModelRunOutput(_Output):
    id: uuid.UUID
    model_id: uuid.UUID
    model_name: str
    model_run_info: JSONObject


class DatasetOutput(_Output):
    id: uuid.UUID
    dataset_name: str
    collection_date: MidnightTimestamp
    dataset_info: JSONObject
    dataset_type_id: int


class ModelRecordOutput(_Output):
    """A single record as the framework returns it; streamed records leave nulls out instead
    (``translate.records.line``)."""

    id: uuid.UUID
    timestamp: NaiveUTC
    collection_date: date
    dataset_id: uuid.UUID
    dataset_name: str
    model_id: uuid.UUID
    model_name: str
    model_data: JSONObject
    experiment_id: uuid.UUID | None
    experiment_name: str | None
    season_id: uuid.UUID | None
    season_name: str | None
    site_id: uuid.UUID | None
    site_name: str | None
    record_file: str | None
    record_info: JSONObject


class ModelRecordsAddedOutput(_Output):
    """The answer to a bulk add: how many records it added and their ids, in line order."""

    records_added: int
    record_ids: list[uuid.UUID]
