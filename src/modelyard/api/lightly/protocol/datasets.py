"""Datasets as far as datasources need them: ``DatasetCreateRequest``, ``DatasetData``."""

from __future__ import annotations

from pydantic import Field

from modelyard.api.lightly.protocol.common import Wire


class DatasetCreateRequest(Wire):
    name: str = Field(min_length=1, max_length=255)
    type: str = "Images"
    img_type: str | None = None


class CreateEntityResponse(Wire):
    id: str


class DatasetData(Wire):
    """``createdAt``/``lastModifiedAt`` in Unix milliseconds, as Lightly's timestamps are."""

    id: str
    name: str
    type: str
    img_type: str | None = None
    n_samples: int
    size_in_bytes: int
    created_at: int
    last_modified_at: int
