"""Wire models of credentials, connectors and the connector configurations list."""

from __future__ import annotations

from typing import Any

from modelyard.api.ubiops.protocol import Wire
from modelyard.api.ubiops.protocol.models import Field


class CredentialsCreate(Wire):
    name: str
    type: str
    configuration: dict[str, Any]


class CredentialsUpdate(Wire):
    """The client always sends ``name``; the seed's partial bodies may leave it out."""

    name: str | None = None
    configuration: dict[str, Any] | None = None


class CredentialsList(Wire):
    """``CredentialsList`` and ``CredentialsListWithConfig`` in one: the client reads what it
    knows of it."""

    id: str
    name: str
    project: str
    type: str
    status: str
    error_message: str
    reference_count: int
    configuration: dict[str, str | None]
    creation_date: str
    last_updated: str


class ConnectorCreate(Wire):
    name: str
    type: str
    credentials: str
    configuration: dict[str, Any]
    input_fields: list[Field] | None = None


class ConnectorUpdate(Wire):
    name: str | None = None
    credentials: str | None = None
    configuration: dict[str, Any] | None = None
    input_fields: list[Field] | None = None


class ConnectorList(Wire):
    id: str
    name: str
    project: str
    type: str
    input_type: str
    status: str
    error_message: str
    credentials: str
    configuration: dict[str, str | None]
    input_fields: list[Field]
    creation_date: str
    last_updated: str


class ConfigurationParameter(Wire):
    parameter: str
    name: str
    description: str
    input_field: str
    default: str | None
    protected: bool
    regex: str


class ConfigurationList(Wire):
    connector: str
    connector_type: str
    connector_configuration: list[ConfigurationParameter]
    credentials_configuration: list[ConfigurationParameter]
