"""Verification that really tries: list the path, write a probe object, read it back,
overwrite it, and remove it again. Each failed check gets its reason."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from modelyard.core.data.datasources.kinds.base import Location
from modelyard.core.data.datasources.reasons import describe
from modelyard.core.data.datasources.schemas import VerifyResult

FIRST = b"modelyard datasource probe 1\n"
SECOND = b"modelyard datasource probe 2 (overwritten)\n"


class _Checks:
    """Runs checks against one location, remembering the reason of each one that fails."""

    def __init__(self, location: Location) -> None:
        self.location = location
        self.errors: dict[str, str] = {}

    def attempt(self, name: str, check: Callable[[], None]) -> bool:
        try:
            check()
        except Exception as exc:  # a failed check is an answer, not a 500
            self.errors[name] = describe(exc, self.location.secrets)
            return False
        return True

    def refuse(self, name: str, reason: str) -> bool:
        self.errors[name] = reason
        return False


def verify(location: Location) -> VerifyResult:
    """List, write, read, overwrite; the probe is removed whatever happened."""
    checks = _Checks(location)
    fs = location.fs
    probe = location.path_of(f".modelyard-verify-{uuid.uuid4().hex}")
    can_list = checks.attempt("canList", lambda: _list(location))
    can_write = checks.attempt("canWrite", lambda: fs.pipe_file(probe, FIRST))
    try:
        if can_write:
            can_read = checks.attempt("canRead", lambda: _read_back(location, probe, FIRST))
            can_overwrite = checks.attempt("canOverwrite", lambda: _overwrite(location, probe))
        else:
            can_read = checks.attempt("canRead", lambda: _read_existing(location))
            can_overwrite = checks.refuse("canOverwrite", "the probe object could not be written")
    finally:
        if can_write:
            checks.attempt("cleanup", lambda: fs.rm_file(probe))
    return VerifyResult(
        can_list=can_list,
        can_read=can_read,
        can_write=can_write,
        can_overwrite=can_overwrite,
        errors=checks.errors,
    )


def _list(location: Location) -> None:
    fs = location.fs
    if not fs.exists(location.container) or not fs.isdir(location.container):
        what = "directory" if location.container == location.root else "bucket or container"
        raise FileNotFoundError(f"the {what} '{location.container}' does not exist")
    fs.ls(location.container, detail=False)


def _read_existing(location: Location) -> None:
    """A read-only datasource can still be read: the first byte of a file already there."""
    for directory, _, names in location.fs.walk(location.root):
        if names:
            location.fs.cat_file(f"{directory.rstrip('/')}/{names[0]}", start=0, end=1)
            return
    raise FileNotFoundError("the probe could not be written and the path holds no file to read")


def _read_back(location: Location, probe: str, expected: bytes) -> None:
    read = location.fs.cat_file(probe)
    if read != expected:
        raise OSError("the probe object read back differs from what was written")


def _overwrite(location: Location, probe: str) -> None:
    location.fs.pipe_file(probe, SECOND)
    _read_back(location, probe, SECOND)
