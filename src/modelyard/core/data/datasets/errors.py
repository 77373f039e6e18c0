"""Errors of tabular datasets, worded for the person who sent the request."""

from __future__ import annotations

from modelyard.errors import Conflict, InvalidInput, NotFound


def dataset_not_found(dataset_id: object) -> NotFound:
    return NotFound(f"Dataset '{dataset_id}' was not found", field="datasetId")


def not_uploading(dataset_id: object) -> NotFound:
    return NotFound(
        f"Dataset '{dataset_id}' is not being uploaded in chunks (it has already been "
        "uploaded, or its chunks are being collated)",
        field="datasetId",
    )


def chunk_not_found(number: int) -> NotFound:
    return NotFound(f"Chunk {number} has not been uploaded", field="chunk_number")


def not_ready(dataset_id: object, status: str) -> Conflict:
    return Conflict(
        f"Dataset '{dataset_id}' is {status}: it can be used once it is uploaded",
        field="datasetId",
    )


def invalid(field: str, reason: str) -> InvalidInput:
    return InvalidInput(f"{field}: {reason}", field=field)
