"""Datasets: wire ↔ core."""

from __future__ import annotations

from datetime import datetime

from modelyard.api.lightly.protocol.datasets import DatasetCreateRequest, DatasetData
from modelyard.core.data.datasources.schemas import SampleDatasetCreate, SampleDatasetRead


def unix_seconds(moment: datetime) -> int:
    """Lightly's times on the wire are integer Unix seconds (CLIENTS.md, rule 4), like
    ``processedUntilTimestamp`` and the listing window."""
    return int(moment.timestamp())


def dataset_create(body: DatasetCreateRequest) -> SampleDatasetCreate:
    return SampleDatasetCreate.model_validate(body, from_attributes=True)


def dataset_data(dataset: SampleDatasetRead) -> DatasetData:
    return DatasetData(
        id=dataset.id,
        name=dataset.name,
        type=dataset.type,
        img_type=dataset.img_type,
        n_samples=dataset.n_samples,
        size_in_bytes=dataset.size_in_bytes,
        created_at=unix_seconds(dataset.created_at),
        last_modified_at=unix_seconds(dataset.last_modified_at),
    )
