"""The ndjson line is built from text, not through a JSON encoder: it must still be valid JSON,
escape names, pass stored JSON through and omit nulls (``None`` and stored ``null``)."""

from __future__ import annotations

import json

from modelyard.api.registry.translate.records import line, ndjson
from modelyard.core.tracking.schemas import RecordLine

ID = "0f8fad5b-d9cb-469f-a165-70867728950e"


def make(**fields: str | None) -> RecordLine:
    base: dict[str, str | None] = {name: None for name in RecordLine._fields}
    base.update(
        id=ID,
        timestamp="2024-05-01T10:00:00",
        collection_date="2024-05-01",
        dataset_id=ID,
        dataset_name="d",
        model_id=ID,
        model_name="m",
    )
    base.update(fields)
    return RecordLine(**base)  # type: ignore[arg-type]


class TestLine:
    def test_names_are_escaped(self) -> None:
        tricky = 'plot "7"\\north\n\tÉté ✓ \u2028'
        parsed = json.loads(line(make(site_name=tricky, model_name=tricky, record_file=tricky)))
        assert parsed["site_name"] == tricky
        assert parsed["model_name"] == tricky
        assert parsed["record_file"] == tricky

    def test_stored_json_passes_through(self) -> None:
        stored = '{"a": [1, null, "\\u00e9"], "b": {"c": true}}'
        parsed = json.loads(line(make(model_data=stored, record_info="{}")))
        assert parsed["model_data"] == {"a": [1, None, "é"], "b": {"c": True}}
        assert parsed["record_info"] == {}

    def test_nulls_are_omitted(self) -> None:
        parsed = json.loads(line(make(model_data="null", record_info=None)))
        assert set(parsed) == {
            "id",
            "timestamp",
            "collection_date",
            "dataset_id",
            "dataset_name",
            "model_id",
            "model_name",
        }

    def test_one_line_per_record_each_ending_in_a_newline(self) -> None:
        chunks = list(ndjson(iter([[make(), make(site_name="s")], [make()]])))
        assert len(chunks) == 2
        text = b"".join(chunks).decode()
        assert text.endswith("\n")
        assert [json.loads(part).get("site_name") for part in text.splitlines()] == [
            None,
            "s",
            None,
        ]
