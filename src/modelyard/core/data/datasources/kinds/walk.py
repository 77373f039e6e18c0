"""A sorted walk of a directory tree that starts at a name, for LOCAL datasources.

Names are paths relative to the root, in code point order of the whole path. A directory's
entries are sorted by their name, with ``/`` after a directory's name, which is exactly that
order (``a-b`` < ``a/x`` because ``-`` < ``/``); so a depth-first walk in that order lists the
tree sorted, and a walk from a cursor opens only the directories on the cursor's own path and
those after it: never what comes before it, whatever the depth.

A directory must be read whole to be sorted, which for one holding a million files costs a
second. So the sorted names of big directories are kept (``Listings``) and used again while
the directory is unchanged: same inode, same modification time (any file added, removed or
renamed in it changes that). A directory changed in the last ``SETTLE_NS`` is not kept: its
time may not have moved yet for a change made in the same clock tick as the read.
"""

from __future__ import annotations

import os
import threading
import time
from bisect import bisect_left
from collections import OrderedDict
from collections.abc import Iterator

from modelyard.core.data.datasources.kinds.base import Entry

KEPT_FROM = 10_000
"""Directories with at least this many entries have their sorted names kept."""
KEPT_NAMES = 1_000_000
"""Names kept in all (about 140 MB of the server's memory at most, measured with a million);
the least recently used directory goes first, and a bigger one is read for every page."""
SETTLE_NS = 2_000_000_000


class Listings:
    """Sorted names of big directories, by path, valid while the directory's stamp holds."""

    def __init__(self, capacity: int = KEPT_NAMES) -> None:
        self.capacity = capacity
        self._kept: OrderedDict[str, tuple[tuple[int, int, int], list[str]]] = OrderedDict()
        self._names = 0
        self._lock = threading.Lock()

    def get(self, directory: str, stamp: tuple[int, int, int]) -> list[str] | None:
        with self._lock:
            found = self._kept.get(directory)
            if found is None or found[0] != stamp:
                return None
            self._kept.move_to_end(directory)
            return found[1]

    def put(self, directory: str, stamp: tuple[int, int, int], keys: list[str]) -> None:
        if len(keys) > self.capacity:
            return
        with self._lock:
            old = self._kept.pop(directory, None)
            self._names -= len(old[1]) if old else 0
            self._kept[directory] = (stamp, keys)
            self._names += len(keys)
            while self._names > self.capacity:
                _, (_, dropped) = self._kept.popitem(last=False)
                self._names -= len(dropped)


LISTINGS = Listings()


def walk_after(root: str, after: str, listings: Listings = LISTINGS) -> Iterator[Entry]:
    """Every file under ``root`` whose relative name sorts after ``after``, in that order. A
    missing root raises; a directory or file removed during the walk is passed over."""
    yield from _walk(root, "", after, listings, top=True)


def sorted_keys(directory: str, listings: Listings, *, top: bool = False) -> list[str]:
    """The directory's entries as keys (``name/`` for a directory, ``name`` for a file),
    sorted; kept in ``listings`` when the directory is big and settled."""
    try:
        status = os.stat(directory)
        stamp = (status.st_dev, status.st_ino, status.st_mtime_ns)
        kept = listings.get(directory, stamp)
        if kept is not None:
            return kept
        with os.scandir(directory) as scan:
            keys = sorted(key for entry in scan if (key := _key(entry)))
    except (FileNotFoundError, NotADirectoryError):
        if top:
            raise
        return []
    if len(keys) >= KEPT_FROM and time.time_ns() - status.st_mtime_ns > SETTLE_NS:
        listings.put(directory, stamp, keys)
    return keys


def _key(entry: os.DirEntry[str]) -> str:
    """``name/`` for a directory, ``name`` for a file, nothing for the rest (symbolic links to
    directories are not followed: a link could loop or repeat what is listed already)."""
    try:
        if entry.is_dir(follow_symlinks=False):
            return entry.name + "/"
        return entry.name if entry.is_file() else ""
    except OSError:
        return ""


def _walk(
    directory: str, prefix: str, after: str, listings: Listings, *, top: bool = False
) -> Iterator[Entry]:
    rest = after[len(prefix) :] if after.startswith(prefix) else ""
    keys = sorted_keys(directory, listings, top=top)
    head = rest.split("/", 1)[0] + "/" if "/" in rest else rest
    for key in keys[bisect_left(keys, head) if rest else 0 :]:
        path = os.path.join(directory, key.rstrip("/"))
        if key.endswith("/"):
            if key > rest or rest.startswith(key):
                yield from _walk(path, prefix + key, after, listings)
        elif key > rest:
            try:
                status = os.stat(path)
            except OSError:
                continue
            yield Entry(prefix + key, int(status.st_mtime), status.st_size)
