"""Pure rules of credentials and connectors: configurations against their type's parameters,
sealing of protected values, and a connector's input fields."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from modelyard.core.data.connectors.errors import invalid
from modelyard.core.data.connectors.kinds import all_kinds, find_kind
from modelyard.core.data.connectors.kinds.base import ConnectorKind, Param
from modelyard.core.fields import rules as field_rules
from modelyard.core.fields.schemas import FieldSpec
from modelyard.core.secrets import SecretBox

PENDING, AVAILABLE, FAILED = "pending_verification", "available", "failed_verification"
ERROR_MAX = 500
BLOB_FIELDS = (FieldSpec(name="blob", data_type="blob"),)
"""The one field of every blob connector (the seed's rule)."""


def check_type(name: str, *, field: str = "type") -> ConnectorKind:
    kind = find_kind(name)
    if kind is None:
        supported = ", ".join(k.type for k in all_kinds())
        raise invalid(field, f"'{name}' is not a supported connector type; use one of {supported}")
    return kind


def _as_text(where: str, value: Any) -> str:
    """Values are strings on the wire; numbers and booleans are accepted as their text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    raise invalid(where, "must be a string")


def clean_configuration(
    kind: str, params: Sequence[Param], given: Mapping[str, Any], *, where: str = "configuration"
) -> dict[str, str]:
    """Every parameter of the type, from ``given`` or its default, each matching its regex.

    A None value counts as not given. Unknown, missing and malformed parameters are refused by
    name; a protected value is never repeated in the message.
    """
    known = {param.parameter: param for param in params}
    unknown = sorted(set(given) - set(known))
    if unknown:
        expected = ", ".join(known) or "none"
        reason = f"is not a parameter of {kind} (expected: {expected})"
        raise invalid(f"{where}.{unknown[0]}", reason)
    values: dict[str, str] = {}
    for name, param in known.items():
        raw = given.get(name)
        value = param.default if raw is None else _as_text(f"{where}.{name}", raw)
        if value is None:
            raise invalid(f"{where}.{name}", f"is required for {kind}")
        if not re.fullmatch(param.regex, value):
            shown = "the value" if param.protected else f"'{value}'"
            wanted = f"must be {param.hint}" if param.hint else f"must match {param.regex}"
            raise invalid(f"{where}.{name}", f"{shown} is not valid: {wanted}")
        values[name] = value
    return values


def merge(old: Mapping[str, str | None], given: Mapping[str, Any]) -> dict[str, Any]:
    """An update's configuration: the old values with the given (non-None) ones on top."""
    merged: dict[str, Any] = {k: v for k, v in old.items() if v is not None}
    merged.update({k: v for k, v in given.items() if v is not None})
    return merged


def seal(params: Sequence[Param], values: Mapping[str, str], box: SecretBox) -> dict[str, str]:
    """What is stored: protected values sealed, the others as they are."""
    protected = {p.parameter for p in params if p.protected}
    return {k: box.seal(v) if k in protected else v for k, v in values.items()}


def unseal(
    params: Sequence[Param], stored: Mapping[str, str], box: SecretBox
) -> dict[str, str | None]:
    """The plain values; a protected value this server's key cannot open becomes None."""
    protected = {p.parameter for p in params if p.protected}
    plain: dict[str, str | None] = {}
    for key, value in stored.items():
        if key not in protected:
            plain[key] = value
            continue
        try:
            plain[key] = box.open(value)
        except ValueError:
            plain[key] = None
    return plain


def masked(params: Sequence[Param], stored: Mapping[str, str]) -> dict[str, str | None]:
    """What is shown: protected values as None."""
    protected = {p.parameter for p in params if p.protected}
    return {k: None if k in protected else v for k, v in stored.items()}


def check_input_fields(kind: ConnectorKind, fields: Sequence[FieldSpec]) -> list[FieldSpec]:
    """A blob connector has the one field ``blob``; a structured one needs at least one field."""
    if kind.input_type == "blob":
        if fields and list(fields) != list(BLOB_FIELDS):
            raise invalid(
                "input_fields", f"must be empty for {kind.type}: blob connectors have one field"
            )
        return list(BLOB_FIELDS)
    if not fields:
        raise invalid("input_fields", f"{kind.type} connectors need at least one field")
    return field_rules.check_fields("input", "structured", list(fields))


def clip(message: str) -> str:
    """Error messages are kept (and shown) up to the seed's 500 characters."""
    return message if len(message) <= ERROR_MAX else message[: ERROR_MAX - 1] + "…"
