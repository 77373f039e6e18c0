"""Checks shared by the datasource types: required fields, choices, bucket-style paths; and
the modification time each store reports, in Unix seconds."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import datetime

from modelyard.core.data.datasources.errors import invalid_config
from modelyard.core.data.datasources.kinds.base import Entry, Param
from modelyard.core.data.datasources.schemas import DatasourceSettings

BUCKET = re.compile(r"^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$")

FIRST_BATCH, LAST_BATCH = 101, 1000
"""Names asked of an object store per call: enough for a page (and one more, to know whether
there are more) first, then more at a time for the callers that read on (counts, windows)."""

Fetch = Callable[[str | None, int], tuple[list[Entry], str | None]]
"""One call to a store: (continuation token or None for the first, how many) → the entries
and the token of the next call, None after the last."""


def require_values(settings: DatasourceSettings, params: tuple[Param, ...]) -> dict[str, str]:
    """Every field of ``params``, present, non-empty and one of its choices; nothing else."""
    values: dict[str, str] = {}
    for param in params:
        value = settings.values.get(param.name)
        if value is None or not str(value).strip():
            raise invalid_config(param.wire, f"is required for a {settings.type} datasource")
        if param.choices and value not in param.choices:
            raise invalid_config(param.wire, f"'{value}' is not one of {', '.join(param.choices)}")
        values[param.name] = str(value).strip() if not param.secret else str(value)
    return values


def split_bucket_path(full_path: str, schemes: tuple[str, ...], field: str = "fullPath") -> str:
    """``scheme://bucket/prefix`` → ``bucket/prefix`` (no trailing slash), checked."""
    for scheme in schemes:
        if full_path.startswith(f"{scheme}://"):
            rest = full_path[len(scheme) + 3 :].strip("/")
            break
    else:
        expected = " or ".join(f"{s}://bucket/prefix" for s in schemes)
        raise invalid_config(field, f"must look like {expected}")
    bucket = rest.split("/", 1)[0]
    if not BUCKET.match(bucket):
        raise invalid_config(field, f"'{bucket}' is not a valid bucket or container name")
    if any(part in ("", ".", "..") for part in rest.split("/")):
        raise invalid_config(field, "must not hold empty, '.' or '..' segments")
    return rest


def modified_seconds(value: object) -> int:
    """A store's modification time (seconds, a ``datetime``, an RFC 3339 string) in seconds."""
    if isinstance(value, int | float):
        return int(value)
    if isinstance(value, datetime):
        return int(value.timestamp())
    if isinstance(value, str) and value:
        return int(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp())
    return 0


def batches(fetch: Fetch) -> Iterator[Entry]:
    """The entries of successive calls to ``fetch``, each made only once the last is read."""
    token: str | None = None
    size = FIRST_BATCH
    while True:
        found, token = fetch(token, size)
        yield from found
        if token is None:
            return
        size = min(size * 2, LAST_BATCH)


def bucket_and_prefix(root: str) -> tuple[str, str]:
    """``bucket/some/prefix`` → (``bucket``, ``some/prefix/``); (``bucket``, ``""``) at the top."""
    bucket, _, prefix = root.partition("/")
    return bucket, f"{prefix}/" if prefix else ""
