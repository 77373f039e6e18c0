"""``mysql``: one row per item inserted into a table of a MySQL or MariaDB database."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import pymysql
from pymysql.connections import Connection

from modelyard.core.data.connectors.kinds import database
from modelyard.core.data.connectors.kinds.base import (
    CONNECT_TIMEOUT,
    ConnectorError,
    Param,
    Target,
)
from modelyard.core.fields.schemas import FieldSpec

COLUMNS = (
    "SELECT column_name FROM information_schema.columns WHERE table_schema = %s AND table_name = %s"
)


def _connect(credentials: Mapping[str, str]) -> Connection[Any]:
    try:
        return pymysql.connect(
            host=credentials["host"],
            port=int(credentials["port"]),
            user=credentials["username"],
            password=credentials["password"],
            database=credentials["database"],
            connect_timeout=CONNECT_TIMEOUT,
            charset="utf8mb4",
            autocommit=False,
        )
    except pymysql.MySQLError as exc:
        raise ConnectorError(_message(exc)) from exc


def _message(exc: pymysql.MySQLError) -> str:
    """PyMySQL puts (code, text) in ``args``: the text is what a user needs."""
    if len(exc.args) >= 2 and isinstance(exc.args[1], str):
        return exc.args[1]
    return database.first_line(exc)


def _quote(identifier: str) -> str:
    return "`" + identifier.replace("`", "``") + "`"


def _value(data_type: str, value: Any) -> Any:
    """MySQL has no arrays (JSON text instead) and wants timestamps without a zone."""
    if value is None:
        return None
    if data_type.startswith("array_"):
        return json.dumps(value)
    if data_type == "timestamp":
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment
    return value


def _row(fields: Sequence[FieldSpec], item: Mapping[str, Any]) -> list[Any]:
    return [_value(spec.data_type, item.get(spec.name)) for spec in fields]


class MySQLKind:
    type = "mysql"
    input_type = "structured"
    description = "MySQL or MariaDB: one row per item in a table"
    credentials_params: tuple[Param, ...] = database.credentials_params(
        default_port="3306", system="MySQL/MariaDB"
    )
    connector_params: tuple[Param, ...] = (database.table_param(),)

    def check_credentials(self, credentials: Mapping[str, str]) -> None:
        connection = _connect(credentials)
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
        except pymysql.MySQLError as exc:
            raise ConnectorError(_message(exc)) from exc
        finally:
            connection.close()

    def check_target(self, target: Target) -> None:
        table = target.configuration["table"]
        connection = _connect(target.credentials)
        try:
            with connection.cursor() as cursor:
                cursor.execute(COLUMNS, (target.credentials["database"], table))
                columns = [str(row[0]) for row in cursor.fetchall()]
        except pymysql.MySQLError as exc:
            raise ConnectorError(_message(exc)) from exc
        finally:
            connection.close()
        database.check_columns(table, columns, target.fields)

    def write(self, target: Target, items: Sequence[Any]) -> None:
        """All rows in one transaction: a refused row writes none."""
        names = ", ".join(_quote(spec.name) for spec in target.fields)
        marks = ", ".join("%s" for _ in target.fields)
        table = _quote(target.configuration["table"])
        statement = f"INSERT INTO {table} ({names}) VALUES ({marks})"  # noqa: S608 (quoted names)
        rows = [_row(target.fields, item) for item in items]
        connection = _connect(target.credentials)
        try:
            with connection.cursor() as cursor:
                cursor.executemany(statement, rows)
            connection.commit()
        except pymysql.MySQLError as exc:
            connection.rollback()
            raise ConnectorError(_message(exc)) from exc
        finally:
            connection.close()
