"""Errors of the pipelines domain, worded for the person who sent the request."""

from __future__ import annotations

from modelyard.errors import Conflict, InvalidInput, NotFound


def invalid(field: str, reason: str) -> InvalidInput:
    return InvalidInput(f"{field}: {reason}", field=field)


def pipeline_not_found(name: str) -> NotFound:
    return NotFound(f"Pipeline '{name}' was not found", field="pipeline_name")


def pipeline_name_taken(name: str) -> Conflict:
    return Conflict(f"A pipeline named '{name}' already exists in this project", field="name")


def object_not_found(pipeline: str, name: str, *, field: str = "name") -> NotFound:
    return NotFound(f"Pipeline '{pipeline}' has no object '{name}'", field=field)


def object_name_taken(pipeline: str, name: str) -> Conflict:
    return Conflict(f"Pipeline '{pipeline}' already has an object '{name}'", field="name")


def attachment_not_found(pipeline: str, source: str, destination: str) -> NotFound:
    return NotFound(
        f"Pipeline '{pipeline}' has no attachment from '{source}' to '{destination}'",
        field="destination_name",
    )


def attachment_taken(source: str, destination: str) -> Conflict:
    return Conflict(
        f"'{source}' is already attached to '{destination}'; delete that attachment first",
        field="destination_name",
    )


def in_use(what: str, users: list[tuple[str, str]], *, field: str) -> Conflict:
    """A model or version that pipeline objects still reference cannot go away."""
    listed = ", ".join(f"object '{obj}' of pipeline '{pipeline}'" for pipeline, obj in users)
    return Conflict(
        f"{what} is used by {listed}; remove it from the pipeline(s) first", field=field
    )


def request_not_found(request_id: str) -> NotFound:
    return NotFound(
        f"No batch pipeline request with id '{request_id}' for this pipeline",
        field="pipeline_request_id",
    )
