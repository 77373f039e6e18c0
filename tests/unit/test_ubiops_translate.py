"""UbiOps answers validated straight from core ``*Read`` schemas: the ``Id`` and ``Timestamp``
wire types give the text the client reads (canonical UUIDs, UTC with a ``Z``)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta, timezone

from modelyard.api.ubiops.translate import identity as translate_identity
from modelyard.api.ubiops.translate import models, timestamp
from modelyard.core.fields.schemas import FieldSpec
from modelyard.core.identity.schemas import ProjectRead
from modelyard.core.serving.schemas import ModelRead, VersionRead

ID = uuid.UUID("0f8fad5b-d9cb-469f-a165-70867728950e")
BERLIN = timezone(timedelta(hours=2))


class TestIdsAndTimestamps:
    def test_a_project_answers_its_id_as_text_and_its_date_in_utc_with_a_z(self) -> None:
        read = ProjectRead(
            id=ID,
            name="p",
            creation_date=datetime(2024, 5, 6, 9, 30, 0, 250000, tzinfo=BERLIN),
            organization_name="o",
        )
        answer = json.loads(translate_identity.project(read).model_dump_json())
        assert answer == {
            "id": "0f8fad5b-d9cb-469f-a165-70867728950e",
            "name": "p",
            "creation_date": "2024-05-06T07:30:00.250000Z",
            "organization_name": "o",
        }

    def test_the_timestamp_type_writes_what_timestamp_writes(self) -> None:
        moment = datetime(2024, 12, 31, 23, 59, 59, tzinfo=UTC)
        read = ProjectRead(id=ID, name="p", creation_date=moment, organization_name="o")
        assert translate_identity.project(read).creation_date == timestamp(moment)


class TestNestedAndOptional:
    def test_a_model_answers_its_fields_as_the_clients_field_objects(self) -> None:
        moment = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
        read = ModelRead(
            id=ID,
            name="m",
            project="p",
            description=None,
            input_type="structured",
            output_type="plain",
            input_fields=[FieldSpec(name="x", data_type="int")],
            output_fields=[],
            creation_date=moment,
            last_updated=moment,
            number_of_versions=0,
        )
        answer = models.model(read)
        assert [f.model_dump() for f in answer.input_fields] == [{"name": "x", "data_type": "int"}]
        assert answer.output_fields == []

    def test_a_version_never_uploaded_answers_a_null_file_date(self) -> None:
        moment = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
        read = VersionRead(
            id=ID,
            model="m",
            version="v1",
            description=None,
            language="python3.11",
            status="unavailable",
            error_message=None,
            memory_allocation=256,
            maximum_instances=1,
            minimum_instances=0,
            maximum_idle_time=300,
            creation_date=moment,
            last_updated=moment,
            file_last_updated=None,
            revision=0,
        )
        answer = models.version(read)
        assert answer.file_last_updated is None
        assert answer.creation_date == "2024-01-02T03:04:05Z"
