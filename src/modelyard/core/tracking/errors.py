"""Errors of the tracking domain, worded for the person who sent the request."""

from __future__ import annotations

from modelyard.errors import Conflict, InvalidInput, NotFound


def model_not_found(model_id: object) -> NotFound:
    return NotFound(f"Model not found: no model has the ID '{model_id}'", field="model_id")


def record_not_found(record_id: object) -> NotFound:
    return NotFound(
        f"Model record not found: no record has the ID '{record_id}'", field="record_id"
    )


def no_record_file(record_id: object) -> NotFound:
    return NotFound(f"No record file found: record '{record_id}' has no file", field="record_id")


def nothing_found(what: str, field: str) -> NotFound:
    return NotFound(f"No {what} found", field=field)


def invalid(field: str, reason: str) -> InvalidInput:
    return InvalidInput(f"{field}: {reason}", field=field)


def model_taken(name: str, url: str | None) -> Conflict:
    where = f" and URL '{url}'" if url else " and no URL"
    return Conflict(f"Another model has the name '{name}'{where}", field="model_name")


def duplicate_record() -> Conflict:
    return Conflict(
        "A record with this timestamp, collection date, dataset, experiment, season and site "
        "already exists for this model",
        field="timestamp",
    )


def link_expired() -> NotFound:
    return NotFound("The download link is invalid or has expired", field="token")


def duplicate_in_batch(line: int, record: str, why: str) -> Conflict:
    """A record of a bulk add that is there already, named by its line and its key fields."""
    return Conflict(f"Duplicate record: line {line} ({record}): {why}", field=f"line {line}")


def invalid_line(line: int, field: str | None, reason: str) -> InvalidInput:
    """A bad line of a bulk add: keyed ``line 3.timestamp`` (``line 3`` when the line as a
    whole is bad), and worded ``line 3: timestamp: <reason>``."""
    key = f"line {line}.{field}" if field else f"line {line}"
    return InvalidInput(f"line {line}: {field or 'body'}: {reason}", field=key)
