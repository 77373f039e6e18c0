"""Credentials and connectors: the rules around them.

Configurations are checked against their type's parameters (``rules``) and stored with
protected values sealed; every change that could change the outcome queues a verification
(``verify``) in the same transaction. Credentials cannot go while a connector uses them, nor a
connector while a pipeline object does. Services flush, never commit: the caller owns the
transaction.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from modelyard.core.data.connectors import repository as repo
from modelyard.core.data.connectors import rules
from modelyard.core.data.connectors.errors import (
    connector_in_use,
    connector_name_taken,
    connector_not_found,
    connector_rename_in_use,
    credentials_in_use,
    credentials_name_taken,
    credentials_not_found,
    invalid,
    unknown_credentials,
)
from modelyard.core.data.connectors.kinds import all_kinds
from modelyard.core.data.connectors.kinds.base import Param
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
from modelyard.core.data.connectors.verify import queue_check
from modelyard.core.fields.schemas import FieldSpec
from modelyard.core.identity import rules as identity_rules
from modelyard.core.identity.repository import add, flush
from modelyard.core.identity.schemas import ProjectRef
from modelyard.core.secrets import SecretBox
from modelyard.db.tables import ConnectorRow, CredentialsRow
from modelyard.db.types import utcnow

# -- the supported types --------------------------------------------------------------------


def _params(params: tuple[Param, ...]) -> list[ParamRead]:
    return [
        ParamRead(
            parameter=p.parameter,
            name=p.name,
            description=p.description,
            input_field=p.input_field,
            default=p.default,
            protected=p.protected,
            regex=p.regex,
        )
        for p in params
    ]


def connector_types() -> list[ConnectorTypeRead]:
    """Every supported type with the parameters its connectors and credentials take."""
    return [
        ConnectorTypeRead(
            connector=kind.type,
            connector_type=kind.input_type,
            description=kind.description,
            connector_configuration=_params(kind.connector_params),
            credentials_configuration=_params(kind.credentials_params),
        )
        for kind in all_kinds()
    ]


# -- credentials ----------------------------------------------------------------------------


def _credentials_read(row: CredentialsRow, project: ProjectRef, users: int) -> CredentialsRead:
    kind = rules.check_type(row.type)
    return CredentialsRead(
        id=row.id,
        name=row.name,
        project=project.name,
        type=row.type,
        status=row.status,
        error_message=row.error_message,
        reference_count=users,
        configuration=rules.masked(kind.credentials_params, row.configuration),
        creation_date=row.creation_date,
        last_updated=row.last_updated,
    )


def _credentials_row(session: Session, project: ProjectRef, name: str) -> CredentialsRow:
    row = repo.get_credentials(session, project.id, name)
    if row is None:
        raise credentials_not_found(name)
    return row


def _read_credentials(
    session: Session, project: ProjectRef, row: CredentialsRow
) -> CredentialsRead:
    users = repo.count_users(session, [row.id]).get(row.id, 0)
    return _credentials_read(row, project, users)


def create_credentials(
    session: Session, box: SecretBox, project: ProjectRef, data: CredentialsCreate
) -> CredentialsRead:
    """New credentials, pending until the background check has connected with them."""
    name = identity_rules.check_name(data.name)
    kind = rules.check_type(data.type)
    values = rules.clean_configuration(kind.type, kind.credentials_params, data.configuration)
    if repo.get_credentials(session, project.id, name) is not None:
        raise credentials_name_taken(name)
    row = CredentialsRow(
        project_id=project.id,
        name=name,
        type=kind.type,
        configuration=rules.seal(kind.credentials_params, values, box),
        status=rules.PENDING,
        revision=0,
    )
    add(session, row, conflict=credentials_name_taken(name))
    queue_check(session, row)
    return _credentials_read(row, project, 0)


def list_credentials(session: Session, project: ProjectRef) -> list[CredentialsRead]:
    rows = repo.list_credentials(session, project.id)
    users = repo.count_users(session, [row.id for row in rows])
    return [_credentials_read(row, project, users.get(row.id, 0)) for row in rows]


def get_credentials(session: Session, project: ProjectRef, name: str) -> CredentialsRead:
    return _read_credentials(session, project, _credentials_row(session, project, name))


def _rename_credentials(
    session: Session, project: ProjectRef, row: CredentialsRow, new: str
) -> None:
    name = identity_rules.check_name(new)
    if name != row.name and repo.get_credentials(session, project.id, name) is not None:
        raise credentials_name_taken(name)
    row.name = name


def update_credentials(
    session: Session, box: SecretBox, project: ProjectRef, name: str, data: CredentialsUpdate
) -> CredentialsRead:
    """Rename and/or change some parameters; a changed configuration is verified again, and
    so is every connector using the credentials."""
    row = _credentials_row(session, project, name)
    if data.name is not None:
        _rename_credentials(session, project, row, data.name)
    if data.configuration is not None:
        kind = rules.check_type(row.type)
        params = kind.credentials_params
        old = rules.unseal(params, row.configuration, box)
        values = rules.clean_configuration(kind.type, params, rules.merge(old, data.configuration))
        if values != old:
            row.configuration = rules.seal(params, values, box)
            queue_check(session, row)
            for connector in repo.connectors_using(session, row.id):
                queue_check(session, connector)
    row.last_updated = utcnow()
    flush(session, conflict=credentials_name_taken(row.name))
    return _read_credentials(session, project, row)


def delete_credentials(session: Session, project: ProjectRef, name: str) -> None:
    """Delete credentials no connector uses (409 naming the connectors otherwise)."""
    row = _credentials_row(session, project, name)
    users = [connector.name for connector in repo.connectors_using(session, row.id)]
    if users:
        raise credentials_in_use(row.name, users)
    session.delete(row)
    flush(session, conflict=credentials_in_use(row.name, []))


# -- connectors -----------------------------------------------------------------------------


def _connector_read(
    connector: ConnectorRow, credentials: CredentialsRow, project: ProjectRef
) -> ConnectorRead:
    kind = rules.check_type(connector.type)
    return ConnectorRead(
        id=connector.id,
        name=connector.name,
        project=project.name,
        type=connector.type,
        input_type=connector.input_type,
        input_fields=[FieldSpec.model_validate(f) for f in connector.input_fields],
        credentials=credentials.name,
        configuration=rules.masked(kind.connector_params, connector.configuration),
        status=connector.status,
        error_message=connector.error_message,
        reference_count=connector.reference_count,
        creation_date=connector.creation_date,
        last_updated=connector.last_updated,
    )


def _connector_pair(session: Session, project: ProjectRef, name: str) -> repo.ConnectorPair:
    found = repo.get_connector(session, project.id, name)
    if found is None:
        raise connector_not_found(name)
    return found


def _usable_credentials(
    session: Session, project: ProjectRef, name: str, connector_type: str
) -> CredentialsRow:
    """The credentials a connector names: they exist here and are of the connector's type."""
    row = repo.get_credentials(session, project.id, name)
    if row is None:
        raise unknown_credentials(name)
    if row.type != connector_type:
        raise invalid(
            "credentials", f"credentials '{name}' are for {row.type}, not for {connector_type}"
        )
    return row


def create_connector(
    session: Session, box: SecretBox, project: ProjectRef, data: ConnectorCreate
) -> ConnectorRead:
    """A connector of a type, using credentials of that type; pending until verified."""
    name = identity_rules.check_name(data.name)
    kind = rules.check_type(data.type)
    credentials = _usable_credentials(session, project, data.credentials, kind.type)
    values = rules.clean_configuration(kind.type, kind.connector_params, data.configuration)
    fields = rules.check_input_fields(kind, data.input_fields)
    if repo.get_connector(session, project.id, name) is not None:
        raise connector_name_taken(name)
    row = ConnectorRow(
        project_id=project.id,
        name=name,
        type=kind.type,
        input_type=kind.input_type,
        input_fields=[f.model_dump() for f in fields],
        credentials_id=credentials.id,
        configuration=rules.seal(kind.connector_params, values, box),
        status=rules.PENDING,
        revision=0,
        reference_count=0,
    )
    add(session, row, conflict=connector_name_taken(name))
    queue_check(session, row)
    return _connector_read(row, credentials, project)


def list_connectors(session: Session, project: ProjectRef) -> list[ConnectorRead]:
    pairs = repo.list_connectors(session, project.id)
    return [_connector_read(connector, credentials, project) for connector, credentials in pairs]


def get_connector(session: Session, project: ProjectRef, name: str) -> ConnectorRead:
    """The connector, for the API and for pipelines that write through it."""
    return _connector_read(*_connector_pair(session, project, name), project)


def _rename_connector(session: Session, project: ProjectRef, row: ConnectorRow, new: str) -> None:
    name = identity_rules.check_name(new)
    if name == row.name:
        return
    if row.reference_count > 0:
        raise connector_rename_in_use(row.name, row.reference_count)
    if repo.get_connector(session, project.id, name) is not None:
        raise connector_name_taken(name)
    row.name = name


def _change_settings(
    session: Session, box: SecretBox, project: ProjectRef, row: ConnectorRow, data: ConnectorUpdate
) -> bool:
    """Apply new credentials, configuration and fields; whether anything a verification
    depends on changed."""
    kind = rules.check_type(row.type)
    changed = False
    if data.credentials is not None:
        credentials = _usable_credentials(session, project, data.credentials, kind.type)
        changed = changed or credentials.id != row.credentials_id
        row.credentials_id = credentials.id
    if data.configuration is not None:
        params = kind.connector_params
        old = rules.unseal(params, row.configuration, box)
        values = rules.clean_configuration(kind.type, params, rules.merge(old, data.configuration))
        changed = changed or values != old
        row.configuration = rules.seal(params, values, box)
    if data.input_fields is not None:
        fields = [f.model_dump() for f in rules.check_input_fields(kind, data.input_fields)]
        changed = changed or fields != row.input_fields
        row.input_fields = fields
    return changed


def update_connector(
    session: Session, box: SecretBox, project: ProjectRef, name: str, data: ConnectorUpdate
) -> ConnectorRead:
    """Rename, or change credentials, configuration or fields (verified again); the type is
    fixed. A connector used by pipelines keeps its name."""
    row, _ = _connector_pair(session, project, name)
    if data.name is not None:
        _rename_connector(session, project, row, data.name)
    if _change_settings(session, box, project, row, data):
        queue_check(session, row)
    row.last_updated = utcnow()
    flush(session, conflict=connector_name_taken(row.name))
    return get_connector(session, project, row.name)


def delete_connector(session: Session, project: ProjectRef, name: str) -> None:
    """Delete a connector no pipeline object uses (409 otherwise)."""
    row, _ = _connector_pair(session, project, name)
    if not repo.delete_unreferenced_connector(session, row.id):
        session.refresh(row)
        raise connector_in_use(row.name, row.reference_count)
    session.flush()


def add_reference(session: Session, project: ProjectRef, name: str) -> None:
    """A pipeline object now uses the connector (it cannot be deleted or renamed meanwhile)."""
    row, _ = _connector_pair(session, project, name)
    repo.change_references(session, row.id, +1)
    session.flush()


def remove_reference(session: Session, project: ProjectRef, name: str) -> None:
    """A pipeline object no longer uses the connector; the count never drops below zero."""
    row, _ = _connector_pair(session, project, name)
    repo.change_references(session, row.id, -1)
    session.flush()
