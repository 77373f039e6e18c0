"""A sorted walk of a directory tree that starts at a name, for LOCAL datasources.

Names are paths relative to the root, in code point order of the whole path. A directory's
entries are sorted by their name, with ``/`` after a directory's name, which is exactly that
order (``a-b`` < ``a/x`` because ``-`` < ``/``); so a depth-first walk in that order lists the
tree sorted, and a walk from a cursor opens only the directories on the cursor's own path and
those after it: never what comes before it, whatever the depth.
"""

from __future__ import annotations

import os
from bisect import bisect_left
from collections.abc import Iterator

from modelyard.core.data.datasources.kinds.base import Entry


def walk_after(root: str, after: str) -> Iterator[Entry]:
    """Every file under ``root`` whose relative name sorts after ``after``, in that order. A
    missing root raises; a directory or file removed during the walk is passed over."""
    yield from _walk(root, "", after, top=True)


def _sorted_entries(directory: str, top: bool) -> list[tuple[str, os.DirEntry[str]]]:
    try:
        with os.scandir(directory) as scan:
            found = [(_key(entry), entry) for entry in scan]
    except (FileNotFoundError, NotADirectoryError):
        if top:
            raise
        return []
    found = [(key, entry) for key, entry in found if key]
    found.sort(key=lambda pair: pair[0])
    return found


def _key(entry: os.DirEntry[str]) -> str:
    """``name/`` for a directory, ``name`` for a file, nothing for the rest (symbolic links to
    directories are not followed: a link could loop or repeat what is listed already)."""
    try:
        if entry.is_dir(follow_symlinks=False):
            return entry.name + "/"
        return entry.name if entry.is_file() else ""
    except OSError:
        return ""


def _walk(directory: str, prefix: str, after: str, *, top: bool = False) -> Iterator[Entry]:
    rest = after[len(prefix) :] if after.startswith(prefix) else ""
    found = _sorted_entries(directory, top)
    head = rest.split("/", 1)[0] + "/" if "/" in rest else rest
    start = bisect_left([key for key, _ in found], head) if rest else 0
    for key, entry in found[start:]:
        if key.endswith("/"):
            if key > rest or rest.startswith(key):
                yield from _walk(entry.path, prefix + key, after)
        elif key > rest:
            try:
                stat = entry.stat()
            except OSError:
                continue
            yield Entry(prefix + key, int(stat.st_mtime), stat.st_size)
