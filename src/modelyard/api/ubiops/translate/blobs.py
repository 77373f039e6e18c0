"""Translation of blobs: the list query and the details."""

from __future__ import annotations

from datetime import UTC, datetime

from modelyard.api.ubiops.protocol import blobs as wire
from modelyard.core.data.schemas import BlobRead
from modelyard.errors import InvalidInput


def blob(blob: BlobRead) -> wire.BlobList:
    return wire.BlobList.model_validate(blob, from_attributes=True)


def creation_date(value: str | None) -> datetime | None:
    """The seed's ``YYYY-MM-DD HH:MM:SS`` in UTC; ISO 8601 with ``T`` or an offset works too."""
    if value is None or not value.strip():
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError as exc:
        raise InvalidInput(
            f"creation_date: '{value}' is not a date and time as YYYY-MM-DD HH:MM:SS",
            field="creation_date",
        ) from exc
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
