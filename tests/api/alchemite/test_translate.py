"""The pure translation between core schemas and the Alchemite wire."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from alchemite_apiclient.model.dataset import Dataset
from alchemite_apiclient.model.dataset_chunk import DatasetChunk
from alchemite_apiclient.model.model import Model
from alchemite_apiclient.model_utils import validate_and_convert_types

from modelyard.api.alchemite import protocol as wire
from modelyard.api.alchemite import translate
from modelyard.core.data.datasets.schemas import ChunkRead, DatasetRead
from modelyard.core.tabular.schemas import TabularModelRead

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def as_client(value: dict[str, object], kind: type) -> object:
    """What the client makes of a response body: it raises on a field it does not accept."""
    from alchemite_apiclient import Configuration

    return validate_and_convert_types(
        value, (kind,), ["received_data"], True, True, configuration=Configuration()
    )


def model_read(**changes: object) -> TabularModelRead:
    fields: dict[str, object] = {
        "id": uuid.uuid4(),
        "project_id": uuid.uuid4(),
        "name": "m",
        "training_method": "alchemite",
        "tags": [],
        "notes": None,
        "status": "new",
        "detail": None,
        "training_dataset_id": None,
        "training_column_headers": None,
        "training_start_time": None,
        "training_completion_time": None,
        "created_at": NOW,
    }
    return TabularModelRead.model_validate({**fields, **changes})


class TestModel:
    def test_leaves_out_unset_fields_and_the_client_accepts_it(self) -> None:
        body = translate.model(model_read())
        assert "notes" not in body
        assert "trainingDatasetId" not in body
        assert body["createdAt"] == int(NOW.timestamp())
        parsed = as_client(body, Model)
        assert isinstance(parsed, Model)
        assert str(parsed.status) == "new"

    def test_a_trained_model_reports_its_dataset_and_progress(self) -> None:
        dataset = uuid.uuid4()
        body = translate.model(
            model_read(status="trained", training_dataset_id=dataset, training_completion_time=NOW)
        )
        assert body["trainingDatasetId"] == str(dataset)
        assert body["trainingProgress"] == 100.0
        as_client(body, Model)


class TestDataset:
    def test_extras_come_back_and_the_client_accepts_it(self) -> None:
        incoming = wire.DatasetIn.model_validate(
            {
                "name": "d",
                "rowCount": 1,
                "columnHeaders": ["a", "b"],
                "descriptorColumns": [1, 0],
                "measurementGroups": [1, 2],
            }
        )
        create = translate.dataset_create(incoming)
        read = DatasetRead(
            id=uuid.uuid4(),
            project_id=uuid.uuid4(),
            model_id=None,
            status="uploading",
            detail=None,
            storage_key=None,
            created_at=NOW,
            **create.model_dump(exclude={"data"}),
        )
        body = translate.dataset(read)
        assert body["measurementGroups"] == [1, 2]
        assert body["columnCount"] == 2
        assert "completeColumns" not in body
        assert isinstance(as_client(body, Dataset), Dataset)

    def test_a_chunk_counts_columns_without_the_row_headers(self) -> None:
        body = translate.chunk(
            ChunkRead(chunk_number=3, row_count=10, column_headers=["a", "b"], created_at=NOW)
        )
        assert body == {
            "chunkNumber": 3,
            "rowCount": 10,
            "columnCount": 2,
            "createdAt": int(NOW.timestamp()),
        }
        assert isinstance(as_client(body, DatasetChunk), DatasetChunk)
