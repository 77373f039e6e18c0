"""The real outside systems connector tests write to: PostgreSQL and MariaDB on loopback.

Each test gets its own PostgreSQL schema or MariaDB table and drops it afterwards, so tests
never see each other's rows. An unreachable system skips the test, except under ``CI``.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
import pymysql
import pytest
from psycopg import sql

POSTGRES = {
    "host": "127.0.0.1",
    "port": "5432",
    "username": "postgres",
    "password": "",
    "database": "test",
}
MARIADB = {
    "host": "127.0.0.1",
    "port": "3306",
    "username": "root",
    "password": "",
    "database": "test",
}


def _unreachable(system: str, exc: Exception) -> None:
    message = f"{system} on loopback is unreachable: {exc}"
    if os.environ.get("CI"):
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def postgres_connection() -> psycopg.Connection[Any]:
    try:
        return psycopg.connect(
            host=POSTGRES["host"],
            port=int(POSTGRES["port"]),
            user=POSTGRES["username"],
            dbname=POSTGRES["database"],
            autocommit=True,
        )
    except psycopg.OperationalError as exc:
        _unreachable("PostgreSQL", exc)
        raise


def mariadb_connection() -> pymysql.connections.Connection[Any]:
    try:
        return pymysql.connect(
            host=MARIADB["host"],
            port=int(MARIADB["port"]),
            user=MARIADB["username"],
            password=MARIADB["password"],
            database=MARIADB["database"],
            autocommit=True,
        )
    except pymysql.OperationalError as exc:
        _unreachable("MariaDB", exc)
        raise


@contextmanager
def postgres_schema(table_ddl: str) -> Iterator[str]:
    """A fresh schema holding ``table`` made by ``table_ddl`` (``{table}`` is filled in with
    the qualified name); yields the schema name."""
    schema = f"conn_{uuid.uuid4().hex[:10]}"
    with postgres_connection() as connection:
        connection.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
        qualified = f'"{schema}"."items"'
        connection.execute(table_ddl.format(table=qualified).encode())
        try:
            yield schema
        finally:
            connection.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))


def postgres_rows(schema: str, columns: str) -> list[tuple[Any, ...]]:
    with postgres_connection() as connection:
        query = f'SELECT {columns} FROM "{schema}"."items" ORDER BY 1'  # noqa: S608
        return list(connection.execute(query.encode()).fetchall())


@contextmanager
def mariadb_table(table_ddl: str) -> Iterator[str]:
    """A fresh table made by ``table_ddl`` (``{table}`` is filled in); yields its name."""
    table = f"conn_{uuid.uuid4().hex[:10]}"
    connection = mariadb_connection()
    try:
        with connection.cursor() as cursor:
            cursor.execute(table_ddl.format(table=f"`{table}`"))
        yield table
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS `{table}`")
        connection.close()


def mariadb_rows(table: str, columns: str) -> list[tuple[Any, ...]]:
    connection = mariadb_connection()
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {columns} FROM `{table}` ORDER BY 1")  # noqa: S608
            return list(cursor.fetchall())
    finally:
        connection.close()
