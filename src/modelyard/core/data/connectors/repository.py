"""All SQL of credentials and connectors."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import CursorResult, Result, delete, func, select, update
from sqlalchemy.orm import Session

from modelyard.db.tables import ConnectorRow, CredentialsRow

ConnectorPair = tuple[ConnectorRow, CredentialsRow]


def _changed(result: Result[Any]) -> bool:
    """Whether a DML statement touched a row."""
    assert isinstance(result, CursorResult)
    return result.rowcount > 0


def get_credentials(session: Session, project_id: uuid.UUID, name: str) -> CredentialsRow | None:
    query = select(CredentialsRow).where(
        CredentialsRow.project_id == project_id, CredentialsRow.name == name
    )
    return session.scalar(query)


def get_credentials_by_id(session: Session, credentials_id: uuid.UUID) -> CredentialsRow | None:
    return session.get(CredentialsRow, credentials_id)


def list_credentials(session: Session, project_id: uuid.UUID) -> Sequence[CredentialsRow]:
    query = (
        select(CredentialsRow)
        .where(CredentialsRow.project_id == project_id)
        .order_by(CredentialsRow.name)
    )
    return session.scalars(query).all()


def count_users(session: Session, credentials_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, int]:
    """How many connectors use each of the credentials (absent: none)."""
    if not credentials_ids:
        return {}
    query = (
        select(ConnectorRow.credentials_id, func.count())
        .where(ConnectorRow.credentials_id.in_(credentials_ids))
        .group_by(ConnectorRow.credentials_id)
    )
    return {key: count for key, count in session.execute(query).all()}


def connectors_using(session: Session, credentials_id: uuid.UUID) -> Sequence[ConnectorRow]:
    query = (
        select(ConnectorRow)
        .where(ConnectorRow.credentials_id == credentials_id)
        .order_by(ConnectorRow.name)
    )
    return session.scalars(query).all()


def get_connector(session: Session, project_id: uuid.UUID, name: str) -> ConnectorPair | None:
    """The connector with its credentials."""
    query = (
        select(ConnectorRow, CredentialsRow)
        .join(CredentialsRow, CredentialsRow.id == ConnectorRow.credentials_id)
        .where(ConnectorRow.project_id == project_id, ConnectorRow.name == name)
    )
    found = session.execute(query).first()
    return (found[0], found[1]) if found else None


def get_connector_by_id(session: Session, connector_id: uuid.UUID) -> ConnectorPair | None:
    query = (
        select(ConnectorRow, CredentialsRow)
        .join(CredentialsRow, CredentialsRow.id == ConnectorRow.credentials_id)
        .where(ConnectorRow.id == connector_id)
    )
    found = session.execute(query).first()
    return (found[0], found[1]) if found else None


def list_connectors(session: Session, project_id: uuid.UUID) -> list[ConnectorPair]:
    query = (
        select(ConnectorRow, CredentialsRow)
        .join(CredentialsRow, CredentialsRow.id == ConnectorRow.credentials_id)
        .where(ConnectorRow.project_id == project_id)
        .order_by(ConnectorRow.name)
    )
    return [(connector, credentials) for connector, credentials in session.execute(query).all()]


def change_references(session: Session, connector_id: uuid.UUID, delta: int) -> None:
    """Add ``delta`` to the count in one statement (safe against concurrent callers); the count
    never drops below zero."""
    session.execute(
        update(ConnectorRow)
        .where(ConnectorRow.id == connector_id, ConnectorRow.reference_count + delta >= 0)
        .values(reference_count=ConnectorRow.reference_count + delta)
    )


def delete_unreferenced_connector(session: Session, connector_id: uuid.UUID) -> bool:
    """Delete the connector only if no pipeline object uses it (checked in the statement)."""
    statement = delete(ConnectorRow).where(
        ConnectorRow.id == connector_id, ConnectorRow.reference_count == 0
    )
    return _changed(session.execute(statement))


def set_credentials_status(
    session: Session, credentials_id: uuid.UUID, *, revision: int, status: str, error: str | None
) -> bool:
    """Record a verification, unless the credentials changed (or went) since it started."""
    result = session.execute(
        update(CredentialsRow)
        .where(CredentialsRow.id == credentials_id, CredentialsRow.revision == revision)
        .values(status=status, error_message=error)
    )
    return _changed(result)


def set_connector_status(
    session: Session, connector_id: uuid.UUID, *, revision: int, status: str, error: str | None
) -> bool:
    """Record a verification, unless the connector changed (or went) since it started."""
    result = session.execute(
        update(ConnectorRow)
        .where(ConnectorRow.id == connector_id, ConnectorRow.revision == revision)
        .values(status=status, error_message=error)
    )
    return _changed(result)
