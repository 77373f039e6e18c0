"""Schemas of credentials and connectors: what services take and give back.

Configurations come in as given by the caller and go out masked: a protected value is None.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from modelyard.core.fields.schemas import FieldSpec
from modelyard.core.identity.schemas import Schema


class CredentialsCreate(Schema):
    name: str
    type: str
    configuration: dict[str, Any]


class CredentialsUpdate(Schema):
    """Only what is set changes; ``configuration`` may hold a subset of the parameters."""

    name: str | None = None
    configuration: dict[str, Any] | None = None


class CredentialsRead(Schema):
    id: uuid.UUID
    name: str
    project: str
    type: str
    status: str
    error_message: str | None
    reference_count: int
    """How many connectors use these credentials."""
    configuration: dict[str, str | None]
    creation_date: datetime
    last_updated: datetime


class ConnectorCreate(Schema):
    name: str
    type: str
    credentials: str
    configuration: dict[str, Any]
    input_fields: list[FieldSpec] = []


class ConnectorUpdate(Schema):
    """Only what is set changes; ``input_fields`` replaces the old fields as a whole."""

    name: str | None = None
    credentials: str | None = None
    configuration: dict[str, Any] | None = None
    input_fields: list[FieldSpec] | None = None


class ConnectorRead(Schema):
    id: uuid.UUID
    name: str
    project: str
    type: str
    input_type: str
    """``structured`` (rows) or ``blob`` (files, through the one field ``blob``)."""
    input_fields: list[FieldSpec]
    credentials: str
    configuration: dict[str, str | None]
    status: str
    error_message: str | None
    reference_count: int
    """How many pipeline objects use this connector."""
    creation_date: datetime
    last_updated: datetime


class ParamRead(Schema):
    parameter: str
    name: str
    description: str
    input_field: str
    default: str | None
    protected: bool
    regex: str


class ConnectorTypeRead(Schema):
    connector: str
    connector_type: str
    description: str
    connector_configuration: list[ParamRead]
    credentials_configuration: list[ParamRead]
