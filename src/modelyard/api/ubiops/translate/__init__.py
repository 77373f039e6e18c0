"""Pure translation between UbiOps wire models and core schemas, one module per area."""

from __future__ import annotations

from datetime import UTC, datetime


def timestamp(value: datetime) -> str:
    """ISO 8601 in UTC with a ``Z``, as UbiOps writes it."""
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
