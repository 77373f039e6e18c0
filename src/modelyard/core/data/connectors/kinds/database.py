"""What the SQL database types share: their credentials and the check of a target table."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from modelyard.core.data.connectors.kinds.base import ConnectorError, Param
from modelyard.core.fields.schemas import FieldSpec

PORT_REGEX = (
    r"^([1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])$"
)
IDENTIFIER_REGEX = r"^[A-Za-z_][A-Za-z0-9_$-]{0,62}$"


def credentials_params(*, default_port: str, system: str) -> tuple[Param, ...]:
    return (
        Param(
            "host",
            "Host",
            f"Host name or IP address of the {system} server",
            r"^[A-Za-z0-9._:-]{1,253}$",
        ),
        Param(
            "port",
            "Port",
            f"TCP port of the {system} server",
            PORT_REGEX,
            default=default_port,
            hint="a port number from 1 to 65535",
        ),
        Param("username", "Username", "User to log in as", r"^[^\s]{1,128}$"),
        Param(
            "password",
            "Password",
            "Password of the user (empty when the server needs none)",
            r"^.{0,1024}$",
            default="",
            protected=True,
            input_field="password",
        ),
        Param("database", "Database", "Database to connect to", r"^[^\s]{1,64}$"),
    )


IDENTIFIER_HINT = "1 to 63 letters, digits, _, $ or -, not starting with a digit"


def table_param() -> Param:
    return Param(
        "table",
        "Table",
        "Table that receives one row per item; its columns are the connector's input fields",
        IDENTIFIER_REGEX,
        hint=IDENTIFIER_HINT,
    )


def check_columns(table: str, columns: Iterable[str], fields: Sequence[FieldSpec]) -> None:
    """The table exists (has columns) and has a column for every input field."""
    present = set(columns)
    if not present:
        raise ConnectorError(f"table {table} does not exist or has no columns")
    missing = [spec.name for spec in fields if spec.name not in present]
    if missing:
        raise ConnectorError(f"table {table} has no column(s) {', '.join(missing)}")


def first_line(exc: BaseException) -> str:
    """A driver's message without its multi-line detail, or the exception's name."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
