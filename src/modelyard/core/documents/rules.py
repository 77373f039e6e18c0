"""Pure rules of the documents domain: parsing what the wire sends, filtering, sorting and
paging listings, checking results. No I/O here."""

from __future__ import annotations

import ast
import json
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from modelyard.errors import InvalidInput

T = TypeVar("T")
DEFAULT_TTL = 200.0
NAME_MAX = 256
MAX_LIMIT = 1000
CLASSIFICATION_FIELDS = ("category", "score", "accuracy")
APPLICATION_TYPES = ("admin", "developer")


def parse_model_params(value: Any, *, literal: bool) -> dict[str, Any]:
    """``model_params`` as the model's ``apply``/``train`` receive it: always a dict (``{}``
    when the job names none), since model code calls ``model_params.get(...)``. In the query
    the SDK sends a Python literal (``{'k': 'v'}``), in a body JSON. Parsed with
    ``ast.literal_eval``, never ``eval``: no code runs."""
    if isinstance(value, str) and literal:
        value = _literal(value)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidInput(
            f"model_params: must be an object (for example {{'key': 'value'}}), "
            f"not {type(value).__name__}",
            field="model_params",
        )
    if not all(isinstance(key, str) for key in value):
        raise InvalidInput("model_params: its keys must be strings", field="model_params")
    return value


def _literal(text: str) -> Any:
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        pass
    try:
        return json.loads(text)
    except ValueError:
        raise InvalidInput(
            "model_params: must be a Python literal or JSON (for example {'key': 'value'})",
            field="model_params",
        ) from None


def check_name(value: str | None, field: str = "name") -> str:
    if value is None or not value.strip():
        raise InvalidInput(f"{field}: is required and must not be blank", field=field)
    if len(value) > NAME_MAX:
        raise InvalidInput(f"{field}: must be at most {NAME_MAX} characters", field=field)
    return value


def check_ttl(value: float | None) -> float:
    if value is None:
        return DEFAULT_TTL
    if value != value or value in (float("inf"), float("-inf")):
        raise InvalidInput("ttl: must be a number of seconds", field="ttl")
    return float(value)


def parse_page_range(text: str) -> list[slice | int]:
    """Leia's page ranges: comma-separated Python indexes and slices (``0,2:5,-2:-1,::2``)."""
    parts: list[slice | int] = []
    for raw in text.split(","):
        part = raw.strip()
        pieces = part.split(":")
        try:
            if len(pieces) == 1:
                parts.append(int(pieces[0]))
                continue
            if len(pieces) > 3:
                raise ValueError(part)
            numbers = [int(piece) if piece.strip() else None for piece in pieces]
        except ValueError:
            raise InvalidInput(
                f"page_range: '{part}' is not an index or a slice such as 2:5 or ::2",
                field="page_range",
            ) from None
        if len(numbers) == 3 and numbers[2] == 0:
            raise InvalidInput("page_range: a slice step must not be 0", field="page_range")
        parts.append(slice(*numbers))
    return parts


def select_pages(items: Sequence[T], ranges: list[slice | int]) -> list[T]:
    """The items a page range keeps, in range order, each once."""
    chosen: list[int] = []
    indexes = list(range(len(items)))
    for part in ranges:
        picked = indexes[part] if isinstance(part, slice) else _one(indexes, part)
        chosen.extend(i for i in picked if i not in chosen)
    return [items[i] for i in chosen]


def _one(indexes: list[int], index: int) -> list[int]:
    try:
        return [indexes[index]]
    except IndexError:
        return []


def sort_keys(sort: str | None, allowed: Sequence[str]) -> list[tuple[str, bool]]:
    """``"name,-creation_time"`` as (key, descending) pairs; an unknown key is a 400."""
    if not sort:
        return []
    keys: list[tuple[str, bool]] = []
    for raw in sort.split(","):
        key = raw.strip()
        descending = key.startswith("-")
        key = key.lstrip("-+")
        if key not in allowed:
            raise InvalidInput(
                f"sort: cannot sort by '{key}'; use {', '.join(allowed)} (- for descending)",
                field="sort",
            )
        keys.append((key, descending))
    return keys


def sorted_by(
    items: list[T], keys: list[tuple[str, bool]], get: Callable[[T, str], Any]
) -> list[T]:
    """Stable multi-key sort, the last key applied first; None sorts before any value."""
    result = list(items)
    for key, descending in reversed(keys):
        result.sort(key=lambda item: _sortable(get(item, key)), reverse=descending)
    return result


def _sortable(value: Any) -> tuple[int, Any]:
    if value is None:
        return (0, "")
    if isinstance(value, datetime):
        return (1, value.timestamp())
    return (1, value)


def page(items: list[T], offset: int, limit: int | None) -> list[T]:
    if offset < 0:
        raise InvalidInput("offset: must not be negative", field="offset")
    if limit is not None and not 0 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"limit: must be between 0 and {MAX_LIMIT}", field="limit")
    end = None if limit is None else offset + limit
    return items[offset:end]


def in_window(value: datetime, after: datetime | None, before: datetime | None) -> bool:
    return (after is None or value > after) and (before is None or value < before)


def check_classification(result: Any) -> None:
    """``format_type=classification``: each value must be ``{category, score, accuracy}``."""
    values = result if isinstance(result, list) else [result]
    for value in values:
        if not isinstance(value, dict) or any(f not in value for f in CLASSIFICATION_FIELDS):
            raise ValueError(
                "format_type classification needs {category, score, accuracy}; "
                f"the model returned {json.dumps(value)[:200]}"
            )


def result_type(format_type: str | None, documents: int) -> str:
    """What an apply job's ``result`` will hold, known when it is accepted: one document's
    value (``object``, or ``classification``), or for several ``{document_id: value}``
    (``dict[object]``, ``dict[classification]``)."""
    value = "classification" if format_type == "classification" else "object"
    return value if documents == 1 else f"dict[{value}]"


def apply_result(values: dict[str, Any], *, documents: int) -> Any:
    """An apply job's ``result`` in the shape :func:`result_type` names for the same number
    of documents: the one document's value, else ``{document_id: value}`` (also when a page
    range kept fewer than the job named)."""
    if documents == 1:
        return next(iter(values.values()), None)
    return dict(values)


def check_application_type(value: str) -> str:
    if value not in APPLICATION_TYPES:
        raise InvalidInput(
            f"application_type: must be one of {', '.join(APPLICATION_TYPES)}",
            field="application_type",
        )
    return value
