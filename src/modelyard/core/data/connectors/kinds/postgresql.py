"""``postgresql``: one row per item inserted into a table of a PostgreSQL database."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import psycopg
from psycopg import sql

from modelyard.core.data.connectors.kinds import database
from modelyard.core.data.connectors.kinds.base import (
    CONNECT_TIMEOUT,
    ConnectorError,
    Param,
    Target,
)

COLUMNS = (
    "SELECT column_name FROM information_schema.columns WHERE table_schema = %s AND table_name = %s"
)


def _connect(credentials: Mapping[str, str]) -> psycopg.Connection[Any]:
    try:
        return psycopg.connect(
            host=credentials["host"],
            port=int(credentials["port"]),
            user=credentials["username"],
            password=credentials["password"],
            dbname=credentials["database"],
            connect_timeout=CONNECT_TIMEOUT,
            application_name="modelyard-connector",
        )
    except psycopg.Error as exc:
        raise ConnectorError(database.first_line(exc)) from exc


class PostgresKind:
    type = "postgresql"
    input_type = "structured"
    description = "PostgreSQL: one row per item in a table"
    credentials_params: tuple[Param, ...] = database.credentials_params(
        default_port="5432", system="PostgreSQL"
    )
    connector_params: tuple[Param, ...] = (
        Param(
            "schema",
            "Schema",
            "Schema of the table",
            database.IDENTIFIER_REGEX,
            default="public",
            hint=database.IDENTIFIER_HINT,
        ),
        database.table_param(),
    )

    def check_credentials(self, credentials: Mapping[str, str]) -> None:
        try:
            with _connect(credentials) as connection:
                connection.execute("SELECT 1")
        except psycopg.Error as exc:
            raise ConnectorError(database.first_line(exc)) from exc

    def check_target(self, target: Target) -> None:
        schema, table = target.configuration["schema"], target.configuration["table"]
        try:
            with _connect(target.credentials) as connection:
                columns = [row[0] for row in connection.execute(COLUMNS, (schema, table))]
        except psycopg.Error as exc:
            raise ConnectorError(database.first_line(exc)) from exc
        database.check_columns(f"{schema}.{table}", columns, target.fields)

    def write(self, target: Target, items: Sequence[Any]) -> None:
        """All rows in one transaction: a refused row writes none."""
        names = [spec.name for spec in target.fields]
        statement = sql.SQL("INSERT INTO {}.{} ({}) VALUES ({})").format(
            sql.Identifier(target.configuration["schema"]),
            sql.Identifier(target.configuration["table"]),
            sql.SQL(", ").join(sql.Identifier(name) for name in names),
            sql.SQL(", ").join(sql.Placeholder() for _ in names),
        )
        rows = [[item.get(name) for name in names] for item in items]
        try:
            with _connect(target.credentials) as connection, connection.cursor() as cursor:
                cursor.executemany(statement, rows)
        except psycopg.Error as exc:
            raise ConnectorError(database.first_line(exc)) from exc
