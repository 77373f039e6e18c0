"""Pure rules of serving: names, field definitions, version limits, request data against fields."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from modelyard.core.serving.schemas import FieldSpec, VersionCreate
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
VERSION_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]*$")
LANGUAGE_PATTERN = re.compile(r"^python3\.(\d+)$")
OLDEST_LANGUAGE, NEWEST_LANGUAGE = 5, 13
MEMORY_RANGE = (256, 32768)
IDLE_RANGE = (10, 3600)
MAX_INSTANCES = 20
TIMEOUT_RANGE = (1, 3600)


def invalid(field: str, reason: str) -> InvalidInput:
    return InvalidInput(f"{field}: {reason}", field=field)


def check_version_name(value: str) -> str:
    if not value or len(value) > 64 or not VERSION_PATTERN.match(value):
        raise invalid(
            "version",
            "must be 1 to 64 lowercase letters, numbers and dashes (-), "
            "starting with a letter or number",
        )
    return value


def check_description(value: str | None) -> str | None:
    if value is not None and len(value) > 200:
        raise invalid("description", "must be at most 200 characters long")
    return value


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


def check_language(value: str) -> str:
    found = LANGUAGE_PATTERN.match(value)
    if not found or not OLDEST_LANGUAGE <= int(found.group(1)) <= NEWEST_LANGUAGE:
        raise invalid(
            "language",
            f"must be python3.{OLDEST_LANGUAGE} to python3.{NEWEST_LANGUAGE}, not '{value}'",
        )
    return value


def check_scaling(data: VersionCreate) -> None:
    """The seed's limits on memory, instances and idle time, each named when broken."""
    low, high = MEMORY_RANGE
    if not low <= data.memory_allocation <= high:
        raise invalid("memory_allocation", f"must be between {low} and {high} MB")
    if not 1 <= data.maximum_instances <= MAX_INSTANCES:
        raise invalid("maximum_instances", f"must be between 1 and {MAX_INSTANCES}")
    if not 0 <= data.minimum_instances <= data.maximum_instances:
        raise invalid("minimum_instances", "must be between 0 and maximum_instances")
    low, high = IDLE_RANGE
    if not low <= data.maximum_idle_time <= high:
        raise invalid("maximum_idle_time", f"must be between {low} and {high} seconds")


def check_timeout(value: int) -> int:
    low, high = TIMEOUT_RANGE
    if not low <= value <= high:
        raise invalid("timeout", f"must be between {low} and {high} seconds")
    return value


# -- request and response data ------------------------------------------------------------


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
