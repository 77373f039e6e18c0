"""Pure rules of field definitions: input and output types, data types, data against fields."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime
from typing import Any

from modelyard.core.fields.schemas import FieldSpec
from modelyard.errors import InvalidInput

IO_TYPES = ("structured", "plain")
DATA_TYPES = (
    "int",
    "string",
    "double",
    "bool",
    "timestamp",
    "array_int",
    "array_double",
    "array_string",
    "blob",
)


def invalid(field: str, reason: str) -> InvalidInput:
    return InvalidInput(f"{field}: {reason}", field=field)


def check_io(input_type: str, output_type: str) -> None:
    for field, value in (("input_type", input_type), ("output_type", output_type)):
        if value not in IO_TYPES:
            raise invalid(field, f"must be one of {', '.join(IO_TYPES)}, not '{value}'")


def check_fields(kind: str, io_type: str, fields: list[FieldSpec]) -> list[FieldSpec]:
    """Fields of a structured side: named once each, with a known data type; none when plain."""
    where = f"{kind}_fields"
    if io_type == "plain":
        if fields:
            raise invalid(where, f"must be empty when {kind}_type is plain")
        return []
    seen: set[str] = set()
    for position, spec in enumerate(fields):
        if not spec.name or len(spec.name) > 64:
            raise invalid(f"{where}[{position}].name", "must be 1 to 64 characters long")
        if spec.name in seen:
            raise invalid(f"{where}[{position}].name", f"'{spec.name}' is defined twice")
        if spec.data_type not in DATA_TYPES:
            raise invalid(
                f"{where}[{position}].data_type",
                f"'{spec.data_type}' is not one of {', '.join(DATA_TYPES)}",
            )
        seen.add(spec.name)
    return fields


# -- data against fields --------------------------------------------------------------------


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return (_is_int(value) or isinstance(value, float)) and math.isfinite(value)


def _is_timestamp(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


CHECKS: dict[str, Callable[[Any], bool]] = {
    "int": _is_int,
    "double": _is_number,
    "string": lambda v: isinstance(v, str),
    "bool": lambda v: isinstance(v, bool),
    "timestamp": _is_timestamp,
    "blob": lambda v: isinstance(v, str) and bool(v),
    "array_int": lambda v: isinstance(v, list) and all(_is_int(x) for x in v),
    "array_double": lambda v: isinstance(v, list) and all(_is_number(x) for x in v),
    "array_string": lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v),
}
EXPECTED = {
    "int": "an integer",
    "double": "a number",
    "string": "a string",
    "bool": "true or false",
    "timestamp": "an ISO 8601 timestamp string",
    "blob": "a blob id",
    "array_int": "a list of integers",
    "array_double": "a list of numbers",
    "array_string": "a list of strings",
}


def data_problems(io_type: str, fields: list[FieldSpec], data: Any, *, side: str) -> list[str]:
    """What is wrong with ``data`` for a side of a model (empty when it fits)."""
    if io_type == "plain":
        return [] if isinstance(data, str) else [f"plain {side} must be a string"]
    if not isinstance(data, dict):
        return [f"structured {side} must be an object with the fields {_names(fields)}"]
    problems = []
    expected = {spec.name: spec.data_type for spec in fields}
    for name in expected.keys() - data.keys():
        problems.append(f"missing field '{name}'")
    for name in data.keys() - expected.keys():
        problems.append(f"unknown field '{name}'")
    for name, data_type in expected.items():
        if name in data and data[name] is not None and not CHECKS[data_type](data[name]):
            problems.append(f"field '{name}' must be {EXPECTED[data_type]}")
    return sorted(problems)


def _names(fields: list[FieldSpec]) -> str:
    return ", ".join(spec.name for spec in fields) or "(none)"


def check_input(io_type: str, fields: list[FieldSpec], data: Any) -> None:
    problems = data_problems(io_type, fields, data, side="input")
    if problems:
        raise invalid("data", "; ".join(problems))
