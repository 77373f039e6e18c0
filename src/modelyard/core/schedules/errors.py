"""Errors of scheduled requests, worded for the person who sent the request."""

from __future__ import annotations

from modelyard.errors import Conflict, InvalidInput, NotFound


def invalid(field: str, reason: str) -> InvalidInput:
    return InvalidInput(f"{field}: {reason}", field=field)


def schedule_not_found(name: str) -> NotFound:
    return NotFound(f"Scheduled request '{name}' was not found", field="schedule_name")


def schedule_name_taken(name: str) -> Conflict:
    return Conflict(f"A scheduled request named '{name}' already exists", field="name")
