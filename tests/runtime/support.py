"""Builders for the model packages and zips the runtime tests run."""

from __future__ import annotations

import sys
import textwrap
import threading
import time
import zipfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from modelyard.runtime import InstanceSpec, LogRecord
from modelyard.runtime.sandbox import Sandbox, probe


def write_package(
    root: Path,
    model_source: str,
    *,
    file_name: str = "model.py",
    files: Mapping[str, str] | None = None,
) -> Path:
    """Write ``root/model_package`` with the model file and any extra files; return its path."""
    package = root / "model_package"
    package.mkdir(parents=True)
    (package / file_name).write_text(textwrap.dedent(model_source))
    for name, text in (files or {}).items():
        target = package / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(text))
    return package


def write_zip(path: Path, entries: Mapping[str, bytes | str]) -> Path:
    """A zip holding ``entries`` by name, exactly as given (no path cleaning)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return path


class LogCollector:
    """A log sink that keeps every record, safe to call from the instances' threads."""

    def __init__(self) -> None:
        self.records: list[LogRecord] = []
        self._lock = threading.Lock()

    def __call__(self, record: LogRecord) -> None:
        with self._lock:
            self.records.append(record)

    def lines(self, request_id: str | None = None, stream: str | None = None) -> list[str]:
        """The lines logged for ``request_id`` (and ``stream``, if given)."""
        with self._lock:
            return [
                record.line
                for record in self.records
                if record.request_id == request_id and stream in (None, record.stream)
            ]


def wait_until(condition: Callable[[], bool], *, timeout: float = 10.0) -> bool:
    """Poll ``condition`` until it holds or ``timeout`` passes; return whether it held."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def machine_sandbox() -> Sandbox:
    """This machine's bubblewrap sandbox; the runtime tests run user code in it, as the server
    does (``make test`` installs bubblewrap and slirp4netns)."""
    found = probe()
    if found.sandbox is None:
        raise RuntimeError(f"the runtime tests need the sandbox: {found.reason}")
    return found.sandbox


def spec_for(
    package: Path, *, key: str = "dep", python: str = sys.executable, **fields: Any
) -> InstanceSpec:
    """A sandboxed spec for ``package`` with a scratch directory beside it."""
    values: dict[str, Any] = {
        "key": key,
        "python": python,
        "package_dir": str(package),
        "scratch_dir": str(package.parent / f"scratch-{key}"),
        "sandbox": machine_sandbox(),
    }
    return InstanceSpec(**{**values, **fields})
