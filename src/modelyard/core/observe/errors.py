"""Errors of the observe domain, worded for the person who sent the request."""

from __future__ import annotations

from modelyard.errors import InvalidInput, NotFound


def invalid(field: str, reason: str) -> InvalidInput:
    return InvalidInput(f"{field}: {reason}", field=field)


def log_not_found(log_id: str) -> NotFound:
    return NotFound(f"No log line with id '{log_id}' in this project", field="id")
