"""Errors of the data domain, worded for the person who sent the request."""

from __future__ import annotations

from modelyard.errors import InvalidInput, NotFound


def blob_not_found(blob_id: object) -> NotFound:
    return NotFound(f"Blob '{blob_id}' was not found", field="blob_id")


def unknown_blob_input(field: str, blob_id: object) -> InvalidInput:
    """A request names a blob that does not exist (any more) in its project."""
    return InvalidInput(
        f"{field}: blob '{blob_id}' does not exist in this project or has expired", field=field
    )


def invalid(field: str, reason: str) -> InvalidInput:
    return InvalidInput(f"{field}: {reason}", field=field)
