"""Records on the wire: the framework's ``ModelRecordOutput`` shape, and its ndjson stream.

Timestamps go out as the framework's naive ISO form in UTC (it stores ``TIMESTAMP`` without a
zone); timestamps without an offset coming in are taken as UTC.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

from pydantic import ValidationError

from modelyard.api.registry.protocol.models import ModelRecordLine
from modelyard.api.registry.protocol.outputs import ModelRecordOutput, ModelRecordsAddedOutput
from modelyard.core.tracking.errors import invalid, invalid_line
from modelyard.core.tracking.record_batch import NumberedRecord, RecordFields, RecordsAdded
from modelyard.core.tracking.schemas import RecordCreate, RecordQuery, RecordRead
from modelyard.errors import InvalidInput


def as_utc(value: datetime | None, field: str) -> datetime | None:
    """The moment in UTC (without an offset: taken as UTC); one that UTC cannot hold (an
    offset across year 1 or 9999) is a 400 naming ``field``."""
    if value is None:
        return None
    utc = _in_utc(value)
    if utc is None:
        raise invalid(field, OUT_OF_RANGE)
    return utc


OUT_OF_RANGE = "is out of range once moved to UTC (years 1 to 9999)"


def _in_utc(value: datetime) -> datetime | None:
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError:
        return None


def day_of(value: date | datetime | None) -> date | None:
    """The framework types collection dates as datetimes and keeps the day: take either."""
    return value.date() if isinstance(value, datetime) else value


def json_object(field: str, text: str | None) -> dict[str, Any] | None:
    """A form field holding a JSON object (the framework's ``JSONB``)."""
    if text is None:
        return None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise invalid(field, f"is not valid JSON: {exc.msg}") from exc
    if not isinstance(value, dict):
        raise invalid(field, "must be a JSON object")
    return value


def record_create(
    *,
    timestamp: datetime,
    model_data: str,
    collection_date: date | datetime | None,
    dataset_name: str | None,
    experiment_name: str | None,
    season_name: str | None,
    site_name: str | None,
    record_info: str | None,
) -> RecordCreate:
    data = json_object("model_data", model_data)
    assert data is not None
    return RecordCreate(
        timestamp=as_utc(timestamp, "timestamp"),
        model_data=data,
        collection_date=day_of(collection_date),
        dataset_name=dataset_name,
        experiment_name=experiment_name,
        season_name=season_name,
        site_name=site_name,
        record_info=json_object("record_info", record_info),
    )


def record_lines(body: bytes) -> list[NumberedRecord]:
    """The records of an ndjson body, numbered by line (blank lines skipped); the first line
    that is not a valid record is InvalidInput naming its line and field."""
    batch = []
    for number, text in enumerate(body.split(b"\n"), start=1):
        if not text.strip():
            continue
        try:
            line = ModelRecordLine.model_validate_json(text)
        except ValidationError as exc:
            raise _line_error(number, exc) from None
        timestamp = _in_utc(line.timestamp)
        if timestamp is None:
            raise invalid_line(number, "timestamp", OUT_OF_RANGE)
        record = RecordFields(
            timestamp,
            line.model_data,
            day_of(line.collection_date),
            line.dataset_name,
            line.experiment_name,
            line.season_name,
            line.site_name,
            line.record_info,
        )
        batch.append(NumberedRecord(number, record))
    return batch


def _line_error(number: int, exc: ValidationError) -> InvalidInput:
    """The line's first error, naming its field (none when the line is not JSON)."""
    error = exc.errors(include_url=False)[0]
    field = str(error["loc"][0]) if error["loc"] else None
    return invalid_line(number, field, str(error["msg"]).removeprefix("Value error, "))


def records_added(added: RecordsAdded) -> ModelRecordsAddedOutput:
    return ModelRecordsAddedOutput(records_added=len(added.ids), record_ids=added.ids)


def search_query(
    *,
    collection_date: date | datetime | None,
    dataset_name: str | None,
    experiment_name: str | None,
    season_name: str | None,
    site_name: str | None,
) -> RecordQuery:
    return RecordQuery(
        collection_date=day_of(collection_date),
        dataset_names=[dataset_name] if dataset_name else [],
        experiment_names=[experiment_name] if experiment_name else [],
        season_names=[season_name] if season_name else [],
        site_names=[site_name] if site_name else [],
    )


def filter_query(
    *,
    start_timestamp: datetime | None,
    end_timestamp: datetime | None,
    dataset_names: list[str] | None,
    experiment_names: list[str] | None,
    season_names: list[str] | None,
    site_names: list[str] | None,
) -> RecordQuery:
    return RecordQuery(
        start_timestamp=as_utc(start_timestamp, "start_timestamp"),
        end_timestamp=as_utc(end_timestamp, "end_timestamp"),
        dataset_names=dataset_names or [],
        experiment_names=experiment_names or [],
        season_names=season_names or [],
        site_names=site_names or [],
    )


def record(read: RecordRead) -> ModelRecordOutput:
    """Every field, nulls included (single records, as the framework returns them)."""
    return ModelRecordOutput.model_validate(read, from_attributes=True)
