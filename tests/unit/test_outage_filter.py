"""The server's log during a database outage: one line, no traceback, then quiet."""

from __future__ import annotations

import logging

from sqlalchemy.exc import OperationalError

from modelyard.db.outage import OutageFilter


def record(error: BaseException | None, message: str = "GET /x failed") -> logging.LogRecord:
    exc_info = (type(error), error, None) if error is not None else None
    return logging.LogRecord("modelyard.test", logging.ERROR, __file__, 1, message, (), exc_info)


OUTAGE = OperationalError("SELECT 1", {}, Exception("connection refused\nmore detail"))


class TestTheOutageFilter:
    def test_the_first_outage_record_becomes_one_line_without_its_traceback(self) -> None:
        first = record(OUTAGE)
        assert OutageFilter().filter(first)
        assert first.exc_info is None
        assert first.getMessage() == (
            "the database is unavailable: connection refused (GET /x failed)"
        )

    def test_later_ones_are_dropped_and_counted_in_the_next_line(self) -> None:
        outage = OutageFilter(quiet_seconds=0.0)
        quiet = OutageFilter(quiet_seconds=3600.0)
        assert quiet.filter(record(OUTAGE))
        assert not quiet.filter(record(OUTAGE))
        assert not quiet.filter(record(OUTAGE))
        assert outage.filter(record(OUTAGE))
        quiet.quiet_seconds = 0.0
        third = record(OUTAGE, "the scheduler's round failed")
        assert quiet.filter(third)
        assert "2 more failures since the last line" in third.getMessage()

    def test_other_errors_keep_their_traceback(self) -> None:
        bug = record(ValueError("a bug"))
        assert OutageFilter().filter(bug)
        assert bug.exc_info is not None
        assert OutageFilter().filter(record(None))
