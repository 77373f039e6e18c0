"""Schemas of the data domain: what blob services give back."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO

from modelyard.core.identity.schemas import Schema


class BlobRead(Schema):
    id: uuid.UUID
    filename: str
    size: int
    ttl: int
    creation_date: datetime
    expires_at: datetime


@dataclass(frozen=True)
class BlobStream:
    """A blob opened for download: its details and a stream the caller must close."""

    blob: BlobRead
    stream: BinaryIO
