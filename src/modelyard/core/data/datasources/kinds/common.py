"""Checks shared by the datasource types: required fields, choices, bucket-style paths."""

from __future__ import annotations

import re

from modelyard.core.data.datasources.errors import invalid_config
from modelyard.core.data.datasources.kinds.base import Param
from modelyard.core.data.datasources.schemas import DatasourceSettings

BUCKET = re.compile(r"^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$")


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
