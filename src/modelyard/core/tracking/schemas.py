"""What the tracking services take and return (pydantic), independent of any dialect."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, BinaryIO

from pydantic import BaseModel, ConfigDict, Field

from modelyard.core.tracking.rules import MODEL_DATASET_TYPE

Name = Field(min_length=1, max_length=255)


class _Schema(BaseModel):
    model_config = ConfigDict(from_attributes=True, extra="forbid")


class ModelCreate(_Schema):
    model_name: str = Name
    model_url: str | None = Field(default=None, max_length=1024)
    model_info: dict[str, Any] | None = None
    experiment_name: str | None = Field(default=None, max_length=255)


class ModelUpdate(_Schema):
    model_name: str | None = Field(default=None, min_length=1, max_length=255)
    model_url: str | None = Field(default=None, max_length=1024)
    model_info: dict[str, Any] | None = None


class ModelSearch(_Schema):
    model_name: str | None = None
    model_url: str | None = None
    model_info: dict[str, Any] | None = None
    experiment_name: str | None = None


class ModelRead(_Schema):
    id: uuid.UUID
    model_name: str
    model_url: str | None
    model_info: dict[str, Any] | None


class ExperimentRead(_Schema):
    id: uuid.UUID
    experiment_name: str
    experiment_info: dict[str, Any] | None
    experiment_start_date: date | None
    experiment_end_date: date | None


class RunCreate(_Schema):
    model_run_info: dict[str, Any] | None = None


class RunRead(_Schema):
    id: uuid.UUID
    model_id: uuid.UUID
    model_name: str
    model_run_info: dict[str, Any] | None


class DatasetCreate(_Schema):
    dataset_name: str = Name
    dataset_info: dict[str, Any] | None = None
    collection_date: date | None = None
    experiment_name: str | None = Field(default=None, max_length=255)


class DatasetRead(_Schema):
    id: uuid.UUID
    dataset_name: str
    dataset_info: dict[str, Any] | None
    collection_date: date | None
    dataset_type_id: int = MODEL_DATASET_TYPE


class RecordCreate(_Schema):
    """A record as the registry takes it; ``timestamp`` is aware (UTC when the client sent a
    naive one)."""

    timestamp: datetime
    model_data: dict[str, Any]
    collection_date: date | None = None
    dataset_name: str | None = Field(default=None, max_length=255)
    experiment_name: str | None = Field(default=None, max_length=255)
    season_name: str | None = Field(default=None, max_length=255)
    site_name: str | None = Field(default=None, max_length=255)
    record_info: dict[str, Any] | None = None


class RecordUpdate(_Schema):
    model_data: dict[str, Any] | None = None
    record_info: dict[str, Any] | None = None


class RecordRead(_Schema):
    id: uuid.UUID
    timestamp: datetime
    collection_date: date
    dataset_id: uuid.UUID
    dataset_name: str
    model_id: uuid.UUID
    model_name: str
    model_data: dict[str, Any] | None
    experiment_id: uuid.UUID | None
    experiment_name: str | None
    season_id: uuid.UUID | None
    season_name: str | None
    site_id: uuid.UUID | None
    site_name: str | None
    record_file: str | None
    record_info: dict[str, Any] | None


class RecordQuery(_Schema):
    """Which records a search or filter streams; empty lists and absent values select all.

    The time window applies only when both ends are given, and is inclusive.
    """

    start_timestamp: datetime | None = None
    end_timestamp: datetime | None = None
    collection_date: date | None = None
    dataset_names: list[str] = []
    experiment_names: list[str] = []
    season_names: list[str] = []
    site_names: list[str] = []


@dataclass(frozen=True)
class UploadedFile:
    """A record's file as it arrives: its name, declared type and a readable stream."""

    filename: str
    content_type: str | None
    stream: BinaryIO


@dataclass(frozen=True)
class FileDownload:
    """A record's file on its way out: exact bytes, with a name and a content type."""

    filename: str
    content_type: str
    size: int
    chunks: Iterator[bytes] = field(repr=False)
