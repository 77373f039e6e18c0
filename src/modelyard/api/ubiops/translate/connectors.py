"""Translation of credentials, connectors and connector types."""

from __future__ import annotations

from modelyard.api.ubiops.protocol import connectors as wire
from modelyard.api.ubiops.protocol.models import Field
from modelyard.api.ubiops.translate import timestamp
from modelyard.core.data.connectors.schemas import (
    ConnectorCreate,
    ConnectorRead,
    ConnectorTypeRead,
    ConnectorUpdate,
    CredentialsCreate,
    CredentialsRead,
    CredentialsUpdate,
    ParamRead,
)
from modelyard.core.fields.schemas import FieldSpec


def _fields(fields: list[Field] | None) -> list[FieldSpec] | None:
    if fields is None:
        return None
    return [FieldSpec(name=f.name, data_type=f.data_type) for f in fields]


def credentials_create(body: wire.CredentialsCreate) -> CredentialsCreate:
    return CredentialsCreate.model_validate(body, from_attributes=True)


def credentials_update(body: wire.CredentialsUpdate) -> CredentialsUpdate:
    return CredentialsUpdate.model_validate(body, from_attributes=True)


def credentials(row: CredentialsRead) -> wire.CredentialsList:
    """An empty ``error_message`` while nothing failed, as the seed shows it."""
    return wire.CredentialsList(
        id=str(row.id),
        name=row.name,
        project=row.project,
        type=row.type,
        status=row.status,
        error_message=row.error_message or "",
        reference_count=row.reference_count,
        configuration=row.configuration,
        creation_date=timestamp(row.creation_date),
        last_updated=timestamp(row.last_updated),
    )


def connector_create(body: wire.ConnectorCreate) -> ConnectorCreate:
    return ConnectorCreate(
        name=body.name,
        type=body.type,
        credentials=body.credentials,
        configuration=body.configuration,
        input_fields=_fields(body.input_fields) or [],
    )


def connector_update(body: wire.ConnectorUpdate) -> ConnectorUpdate:
    return ConnectorUpdate(
        name=body.name,
        credentials=body.credentials,
        configuration=body.configuration,
        input_fields=_fields(body.input_fields),
    )


def connector(row: ConnectorRead) -> wire.ConnectorList:
    return wire.ConnectorList(
        id=str(row.id),
        name=row.name,
        project=row.project,
        type=row.type,
        input_type=row.input_type,
        status=row.status,
        error_message=row.error_message or "",
        credentials=row.credentials,
        configuration=row.configuration,
        input_fields=[Field(name=f.name, data_type=f.data_type) for f in row.input_fields],
        creation_date=timestamp(row.creation_date),
        last_updated=timestamp(row.last_updated),
    )


def _parameter(param: ParamRead) -> wire.ConfigurationParameter:
    return wire.ConfigurationParameter.model_validate(param.model_dump())


def configuration(kind: ConnectorTypeRead) -> wire.ConfigurationList:
    return wire.ConfigurationList(
        connector=kind.connector,
        connector_type=kind.connector_type,
        connector_configuration=[_parameter(p) for p in kind.connector_configuration],
        credentials_configuration=[_parameter(p) for p in kind.credentials_configuration],
    )
