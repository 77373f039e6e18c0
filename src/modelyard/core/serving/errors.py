"""Errors of the serving domain."""

from __future__ import annotations

from modelyard.errors import Conflict, NotFound


def model_not_found(name: str) -> NotFound:
    return NotFound(f"Model '{name}' was not found", field="model_name")


def version_not_found(model: str, version: str) -> NotFound:
    return NotFound(f"Version '{version}' of model '{model}' was not found", field="version")


def model_name_taken(name: str) -> Conflict:
    return Conflict(f"A model named '{name}' already exists in this project", field="name")


def version_name_taken(model: str, version: str) -> Conflict:
    return Conflict(f"Model '{model}' already has a version '{version}'", field="version")


def no_package(model: str, version: str) -> NotFound:
    return NotFound(
        f"Version '{version}' of model '{model}' has no deployment package yet", field="file"
    )


def not_available(model: str, version: str, status: str) -> Conflict:
    return Conflict(
        f"Version '{version}' of model '{model}' is {status}, not available: "
        "requests are served once its package has been built",
        field="version",
    )
