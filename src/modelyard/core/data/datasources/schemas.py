"""What the datasets and datasources services take and give back."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

DATASET_TYPES = ("Images", "Crops", "Videos")
IMAGE_TYPES = ("full", "thumbnail", "meta")


class SampleDatasetCreate(BaseModel):
    name: str = Field(min_length=1, max_length=255)
    type: str = "Images"
    img_type: str | None = None


class SampleDatasetRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    type: str
    img_type: str | None
    n_samples: int = 0
    size_in_bytes: int = 0
    created_at: datetime
    last_modified_at: datetime


class DatasourceSettings(BaseModel):
    """A datasource configuration as given: ``values`` holds the type's own fields, secrets
    included, by their core names (``region``, ``access_key_id``, ``secret_access_key``, …)."""

    type: str
    full_path: str = ""
    thumb_suffix: str | None = None
    values: dict[str, str] = Field(default_factory=dict)


class DatasourceRead(BaseModel):
    """A stored configuration without its secrets."""

    type: str
    full_path: str
    thumb_suffix: str | None
    values: dict[str, str]


class VerifyResult(BaseModel):
    can_list: bool
    can_read: bool
    can_write: bool
    can_overwrite: bool
    errors: dict[str, str] = Field(default_factory=dict)


class RawSample(BaseModel):
    file_name: str
    read_url: str


class RawSamplesPage(BaseModel):
    has_more: bool
    cursor: str
    data: list[RawSample]
