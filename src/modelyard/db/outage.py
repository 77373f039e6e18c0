"""Telling a database outage from a bug, and logging an outage once rather than a traceback per
request and per background round.

``OutageFilter`` sits on the server's log handler: a record whose exception is an outage loses
its traceback and becomes ``the database is unavailable: <reason> (<what failed>)``; further
outage records within ``quiet_seconds`` are dropped and counted in the next line.
"""

from __future__ import annotations

import logging
import threading
import time

from sqlalchemy.exc import InterfaceError, OperationalError

OUTAGES: tuple[type[Exception], ...] = (OperationalError, InterfaceError)


def is_outage(error: BaseException | None) -> bool:
    """Whether ``error`` says the database cannot be reached or used right now."""
    return isinstance(error, OUTAGES)


def outage_reason(error: BaseException) -> str:
    """The driver's first line about it (which host, refused or closed)."""
    text = str(getattr(error, "orig", None) or error).strip()
    return (text.splitlines() or ["no reason given"])[0][:300]


class OutageFilter(logging.Filter):
    """Turns outage tracebacks into one line per ``quiet_seconds``."""

    def __init__(self, quiet_seconds: float = 60.0) -> None:
        super().__init__()
        self.quiet_seconds = quiet_seconds
        self._lock = threading.Lock()
        self._last = float("-inf")
        self._dropped = 0

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if error is None or not is_outage(error):
            return True
        now = time.monotonic()
        with self._lock:
            if now - self._last < self.quiet_seconds:
                self._dropped += 1
                return False
            self._last, dropped, self._dropped = now, self._dropped, 0
        more = f"; {dropped} more failures since the last line" if dropped else ""
        what = record.getMessage()
        record.msg = "the database is unavailable: %s (%s%s)"
        record.args = (outage_reason(error), what, more)
        record.exc_info = None
        record.exc_text = None
        return True


def install_server_logging(level: int = logging.WARNING) -> None:
    """The server's log: modelyard's own records to stderr, outages condensed."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(message)s"))
    handler.addFilter(OutageFilter())
    root = logging.getLogger("modelyard")
    root.addHandler(handler)
    root.setLevel(level)
    root.propagate = False
