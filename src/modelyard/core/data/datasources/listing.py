"""Raw sample listing: every file under the datasource's path, by name, in pages.

The cursor carries the time window and the last name handed out, because Lightly's client
sends only the cursor on follow-up pages. Names are relative to the path, and the path is a
directory: ``data`` lists ``data/a.jpg`` but never ``data-other/b.jpg``.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from modelyard.core.data.datasources.errors import credentials_refused, invalid, unreachable
from modelyard.core.data.datasources.kinds.base import Location
from modelyard.core.data.datasources.reasons import describe

PAGE_SIZE = 100
"""Files per page; Lightly's client expects pages smaller than 250."""


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


def modified_seconds(info: dict[str, Any]) -> int:
    """The modification time fsspec reports, whatever the store calls it."""
    for key in ("mtime", "LastModified", "last_modified", "updated", "timeCreated"):
        value = info.get(key)
        if isinstance(value, int | float):
            return int(value)
        if isinstance(value, datetime):
            return int(value.timestamp())
        if isinstance(value, str) and value:
            return int(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp())
    return 0


def files(location: Location) -> list[tuple[str, int]]:
    """Every file under the path: its name relative to the path and its modification time."""
    prefix = location.root.rstrip("/") + "/"
    try:
        found = location.fs.find(location.root, detail=True)
    except PermissionError as exc:
        raise credentials_refused(describe(exc, location.secrets)) from None
    except Exception as exc:  # any store failure is reported, never a 500
        raise unreachable(describe(exc, location.secrets)) from None
    listed = [
        (path[len(prefix) :], modified_seconds(info))
        for path, info in found.items()
        if path.startswith(prefix) and info.get("type") != "directory"
    ]
    return sorted(listed)


def page(listed: list[tuple[str, int]], window: Window) -> tuple[list[str], Window, bool]:
    """The next page of names in the window, the window to continue from, and whether more
    remain."""
    remaining = [
        name for name, modified in listed if name > window.after and window.holds(modified)
    ]
    names = remaining[:PAGE_SIZE]
    after = names[-1] if names else window.after
    return names, Window(window.start, window.end, after), len(remaining) > PAGE_SIZE
