"""Errors of credentials and connectors, worded for the person who sent the request."""

from __future__ import annotations

from collections.abc import Sequence

from modelyard.errors import Conflict, DomainError, InvalidInput, NotFound


class ConnectorFailure(DomainError):
    """Writing through a connector failed; the message names the connector and the reason."""


def invalid(field: str, reason: str) -> InvalidInput:
    return InvalidInput(f"{field}: {reason}", field=field)


def credentials_not_found(name: str) -> NotFound:
    return NotFound(f"Credentials '{name}' were not found", field="credentials_name")


def connector_not_found(name: str) -> NotFound:
    return NotFound(f"Connector '{name}' was not found", field="connector_name")


def credentials_name_taken(name: str) -> Conflict:
    return Conflict(f"Credentials named '{name}' already exist in this project", field="name")


def connector_name_taken(name: str) -> Conflict:
    return Conflict(f"A connector named '{name}' already exists in this project", field="name")


def unknown_credentials(name: str) -> InvalidInput:
    return invalid("credentials", f"credentials '{name}' do not exist in this project")


def credentials_in_use(name: str, connectors: Sequence[str]) -> Conflict:
    listed = ", ".join(f"'{c}'" for c in connectors) or "a connector being created"
    return Conflict(
        f"Credentials '{name}' are used by connector(s) {listed}: "
        "delete those connectors or give them other credentials first",
        field="credentials_name",
    )


def connector_in_use(name: str, references: int) -> Conflict:
    return Conflict(
        f"Connector '{name}' is used by {references} pipeline object(s): remove it from "
        "those pipelines first",
        field="connector_name",
    )


def connector_rename_in_use(name: str, references: int) -> Conflict:
    return Conflict(
        f"Connector '{name}' cannot be renamed while {references} pipeline object(s) use it",
        field="name",
    )
