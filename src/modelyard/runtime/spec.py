"""The values that cross the runtime's boundary: what to run, what came back, what it logged.

They are plain frozen dataclasses so an executor can carry them to another process unchanged.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from modelyard.runtime.sandbox import Sandbox

Stream = Literal["stdout", "stderr", "system"]


@dataclass(frozen=True)
class InstanceSpec:
    """How to run one deployment version: its environment, package, sandbox, limits and
    scaling. ``scratch_dir`` is the deployment's private writable directory (its TMPDIR, where
    request blobs arrive and output files must be left); a train copy's package is writable."""

    key: str
    python: str
    package_dir: str
    scratch_dir: str
    sandbox: Sandbox
    package_writable: bool = False
    model_file_name: str = "model.py"
    context: dict[str, Any] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    memory_mb: int = 2048
    minimum_instances: int = 0
    maximum_instances: int = 1
    maximum_idle_time: float = 300.0


@dataclass(frozen=True)
class RequestOutcome:
    """The answer to one request: the model's result, or why there is none."""

    success: bool
    result: Any = None
    error: str | None = None
    lost: bool = False
    """The instance went away mid-request: no answer came, so running it again is safe."""


@dataclass(frozen=True)
class LogRecord:
    """One line of output from an instance, or a supervisor event (stream ``system``)."""

    key: str
    request_id: str | None
    stream: Stream
    line: str
    time: float


LogSink = Callable[[LogRecord], None]


def emit(sink: LogSink, key: str, request_id: str | None, stream: Stream, line: str) -> None:
    """Hand one record to the sink; a failing sink must never stop an instance from serving."""
    with contextlib.suppress(Exception):
        sink(LogRecord(key, request_id, stream, line, time.time()))
