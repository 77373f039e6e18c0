"""Wire models of blobs."""

from __future__ import annotations

from modelyard.api.ubiops.protocol import Id, Timestamp, Wire


class BlobList(Wire):
    id: Id
    creation_date: Timestamp
    filename: str
    size: int
    ttl: int
