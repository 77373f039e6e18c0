"""What no dialect's models catch, checked at the edge: strings with NUL characters or unpaired
surrogates (PostgreSQL refuses the one, UTF-8 the other), JSON nested deeper than ``MAX_DEPTH``,
integers beyond 64 bits and numbers beyond a double's range. Each is a 400 in the dialect's
envelope naming the field and the reason, raised as an ``HTTPException`` so the dialect renders
it: from the body-limit middleware once a JSON body is complete, and from an app-wide
dependency for path and query parameters."""

from __future__ import annotations

import json
import math
import re
from typing import Any

from fastapi import Request
from starlette.exceptions import HTTPException

MAX_DEPTH = 64
DIGITS = re.compile(r"-?[0-9]{19,4000}")
INT64 = (-(2**63), 2**63 - 1)


class InvalidValue(HTTPException):
    """A value no route should see; its detail names where it is and what is wrong."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(400, f"{field}: {reason}")
        self.field = field


PARSED = "modelyard.json"
"""The scope key under which a checked JSON body's value is kept, so a route that parses its own
body (the direct request, the hottest path) takes it from there instead of parsing twice."""

_UNPARSED = object()


def check_json_body(body: bytes) -> Any:
    """Check a complete JSON body and return its value; ``parsed_body`` tells a body that does
    not parse (left for the route to refuse) from one that does."""
    try:
        value = json.loads(body) if body else _UNPARSED
    except RecursionError:
        raise InvalidValue("body", f"nested deeper than {MAX_DEPTH} levels") from None
    except ValueError:
        return _UNPARSED
    check_value(value)
    return value


def parsed_body(request: Request) -> tuple[bool, Any]:
    """The JSON value the edge check already parsed, if it parsed one."""
    value = request.scope.get(PARSED, _UNPARSED)
    return value is not _UNPARSED, value


def check_value(value: Any, root: str = "body") -> None:
    """Walk ``value`` without recursion and raise at the first thing it must not hold."""
    stack: list[tuple[str, Any, int]] = [(root, value, 0)]
    while stack:
        where, item, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise InvalidValue(where, f"nested deeper than {MAX_DEPTH} levels")
        if isinstance(item, str):
            check_text(where, item)
        elif isinstance(item, bool) or item is None:
            continue
        elif isinstance(item, int):
            if not INT64[0] <= item <= INT64[1]:
                raise InvalidValue(where, "an integer beyond 64 bits")
        elif isinstance(item, float):
            if not math.isfinite(item):
                raise InvalidValue(where, "a number beyond the range of a double")
        elif isinstance(item, dict):
            for key, child in item.items():
                check_text(f"{where}.{key}", key)
                stack.append((f"{where}.{key}", child, depth + 1))
        elif isinstance(item, list):
            stack.extend(
                (f"{where}[{index}]", child, depth + 1) for index, child in enumerate(item)
            )


def check_text(where: str, text: str) -> None:
    if "\x00" in text:
        raise InvalidValue(where, "contains a NUL character")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidValue(where, "contains an unpaired surrogate") from None


async def check_parameters(request: Request) -> None:
    """An app-wide dependency: path and query values hold no NUL or unpaired surrogate, and a
    query value of digits fits 64 bits (every integer parameter lands in a 64-bit column).
    Async, though it awaits nothing: a plain ``def`` would cost every request a thread hop."""
    for name, value in request.path_params.items():
        if isinstance(value, str):
            check_text(name, value)
    for name, value in request.query_params.multi_items():
        check_text(name, value)
        if DIGITS.fullmatch(value) and not INT64[0] <= int(value) <= INT64[1]:
            raise InvalidValue(name, "an integer beyond 64 bits")
