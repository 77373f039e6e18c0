"""Pure rules of serving: names, version limits, and the field rules models follow.

The field rules (input and output types, data types, request data against fields) live in
``core.fields``, below every domain that declares fields; they are named here too because
models are where serving applies them.
"""

from __future__ import annotations

import re

from modelyard.core.fields.rules import IO_TYPES as IO_TYPES
from modelyard.core.fields.rules import check_fields as check_fields
from modelyard.core.fields.rules import check_input as check_input
from modelyard.core.fields.rules import check_io as check_io
from modelyard.core.fields.rules import data_problems as data_problems
from modelyard.core.fields.rules import invalid as invalid
from modelyard.core.serving.schemas import VersionCreate

VERSION_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]*$")
LANGUAGE_PATTERN = re.compile(r"^python3\.(\d+)$")
OLDEST_LANGUAGE, NEWEST_LANGUAGE = 5, 13
MEMORY_RANGE = (256, 32768)
IDLE_RANGE = (10, 3600)
MAX_INSTANCES = 20
TIMEOUT_RANGE = (1, 3600)


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
