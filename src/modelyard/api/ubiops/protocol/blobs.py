"""Wire models of blobs."""

from __future__ import annotations

from modelyard.api.ubiops.protocol import Wire


class BlobList(Wire):
    id: str
    creation_date: str
    filename: str
    size: int
    ttl: int
