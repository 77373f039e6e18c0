"""Pure translations of the registry: a bulk body becomes numbered records. (Streamed lines
are written by the core's ``record_stream``: ``tests/core/test_tracking.py`` and
``test_streams.py`` check them on both databases.)"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from modelyard.api.registry.translate.records import record_lines
from modelyard.errors import InvalidInput


class TestRecordLines:
    def test_lines_are_numbered_as_sent_and_times_taken_as_utc(self) -> None:
        body = (
            b'\n{"timestamp": "2024-05-01T10:00:00", "model_data": {"a": 1}, "site_name": "s"}\n'
            b'{"timestamp": "2024-05-01T12:00:00+02:00", "model_data": "{\\"b\\": 2}",'
            b' "collection_date": "2024-04-30T23:00:00", "experiment_name": "E"}\n'
        )
        [(first_line, first), (second_line, second)] = record_lines(body)
        assert (first_line, second_line) == (2, 3)
        assert first.timestamp == datetime(2024, 5, 1, 10, tzinfo=UTC)
        assert second.timestamp == datetime(2024, 5, 1, 10, tzinfo=UTC)
        assert second.model_data == {"b": 2}
        assert second.collection_date == date(2024, 4, 30)

    def test_a_bad_line_names_its_line_and_field(self) -> None:
        body = b'{"timestamp": "2024-05-01", "model_data": {}}\n{"timestamp": "soon"}'
        with pytest.raises(InvalidInput) as caught:
            record_lines(body)
        assert caught.value.field == "line 2.timestamp"
        assert caught.value.message.startswith("line 2: timestamp: ")
