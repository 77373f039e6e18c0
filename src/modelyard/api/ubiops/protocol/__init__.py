"""Wire models of the UbiOps v2.1 dialect, one module per area of the API.

They describe the JSON the ``ubiops==2.1.0`` client sends and reads. Answers are validated
straight from the core's ``*Read`` schemas where the fields match (``from_attributes``): ``Id``
and ``Timestamp`` take the core's UUIDs and aware datetimes and keep them as the text the
client reads.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict


class Wire(BaseModel):
    """Bodies ignore fields they do not know, as the vendor API does."""

    model_config = ConfigDict(extra="ignore")


def utc_text(value: datetime) -> str:
    """ISO 8601 in UTC with a ``Z``, as UbiOps writes it."""
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _id_text(value: Any) -> Any:
    return str(value) if isinstance(value, uuid.UUID) else value


def _time_text(value: Any) -> Any:
    return utc_text(value) if isinstance(value, datetime) else value


Id = Annotated[str, BeforeValidator(_id_text)]
"""An id as text (a core UUID in canonical form)."""
Timestamp = Annotated[str, BeforeValidator(_time_text)]
"""A moment as UbiOps writes it (a core datetime, in UTC with a ``Z``)."""
