"""Raw sample listing: the files under the datasource's path, by name, in pages, resumed
where the last page stopped.

The cursor is opaque to the client and carries the time window and the last name handed out
(Lightly's client sends only the cursor on follow-up pages). A page asks the store for names
strictly after that one (``DatasourceKind.entries``: S3 ``StartAfter``, GCS ``startOffset``,
Azure ``startFrom``, a sorted walk of the directory from that name on), so a page costs the
same at any depth, and files added or removed between pages never make one appear twice or
hide one that was there throughout: a name sorting after the cursor is listed once it exists,
a name before it was listed already. Names are relative to the path, and the path is a
directory: ``data`` lists ``data/a.jpg`` but never ``data-other/b.jpg``.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from modelyard.core.data.datasources.errors import credentials_refused, invalid, unreachable
from modelyard.core.data.datasources.kinds.base import Entry
from modelyard.core.data.datasources.reasons import describe

PAGE_SIZE = 100
"""Files per page; Lightly's client expects pages smaller than 250."""

SCAN_LIMIT = 10_000
"""Files one request looks at at most: a narrow time window over a big store answers a short
(even empty) page with ``hasMore`` and a cursor past what it looked at, rather than one slow
request; the client follows the cursor."""


@dataclass(frozen=True)
class Window:
    """Modification times from ``start`` to ``end`` (Unix seconds, inclusive), after ``after``."""

    start: int | None = None
    end: int | None = None
    after: str = ""

    def holds(self, modified: int) -> bool:
        return (self.start is None or modified >= self.start) and (
            self.end is None or modified <= self.end
        )


def encode_cursor(window: Window) -> str:
    raw = json.dumps({"from": window.start, "to": window.end, "after": window.after})
    return base64.urlsafe_b64encode(raw.encode("utf-8")).decode("ascii")


def decode_cursor(cursor: str) -> Window:
    """The window a cursor of ``encode_cursor`` carries; a 400 for anything else."""
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor.encode("ascii")))
        window = Window(data["from"], data["to"], data["after"])
    except (ValueError, KeyError, TypeError, binascii.Error, UnicodeError):
        raise invalid("cursor", "is not a cursor this server handed out") from None
    bounds_ok = all(v is None or isinstance(v, int) for v in (window.start, window.end))
    if not bounds_ok or not isinstance(window.after, str):
        raise invalid("cursor", "is not a cursor this server handed out")
    return window


def guarded(entries: Iterable[Entry], secrets: tuple[str, ...]) -> Iterator[Entry]:
    """``entries`` with every store failure turned into the datasource's errors (never a 500),
    its reason stripped of ``secrets``."""
    try:
        yield from entries
    except PermissionError as exc:
        raise credentials_refused(describe(exc, secrets)) from None
    except Exception as exc:  # any store failure is reported, never a 500
        raise unreachable(describe(exc, secrets)) from None


def page(
    entries: Iterable[Entry], window: Window, *, scan_limit: int = SCAN_LIMIT
) -> tuple[list[str], Window, bool]:
    """The next page of names in the window, the window to continue from, and whether more
    may remain. ``entries`` are in name order; those not after the cursor are skipped (a store
    that ignores where to start, as emulators may, costs time but never repeats a name)."""
    names: list[str] = []
    scanned, last = 0, window.after
    for entry in entries:
        if entry.name <= window.after:
            continue
        if window.holds(entry.modified):
            if len(names) == PAGE_SIZE:
                return names, Window(window.start, window.end, names[-1]), True
            names.append(entry.name)
        scanned, last = scanned + 1, entry.name
        if scanned >= scan_limit:
            return names, Window(window.start, window.end, last), True
    return names, Window(window.start, window.end, last), False


def tally(entries: Iterable[Entry]) -> tuple[int, int]:
    """How many files there are and their bytes in all."""
    count = size = 0
    for entry in entries:
        count, size = count + 1, size + entry.size
    return count, size
