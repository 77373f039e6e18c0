"""Fixtures for the runtime tests: a log collector and a supervisor with a fast reaper."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest

from modelyard.runtime import Supervisor
from modelyard.runtime.interpreters import (
    MINIMUM_MINOR,
    Interpreter,
    default_interpreter_dirs,
    discover_interpreters,
)
from tests.runtime.support import LogCollector


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "slow: builds real environments with uv or hits the package index"
    )


@pytest.fixture
def logs() -> LogCollector:
    return LogCollector()


@pytest.fixture
def supervisor(logs: LogCollector) -> Iterator[Supervisor]:
    running = Supervisor(logs, reap_interval=0.1, start_timeout=30.0)
    yield running
    running.shutdown()


@pytest.fixture(scope="session")
def host_interpreters() -> dict[int, Interpreter]:
    """The working interpreters on this host, by minor version."""
    return discover_interpreters(default_interpreter_dirs())


@pytest.fixture(params=["running", "oldest"])
def shim_python(request: pytest.FixtureRequest, host_interpreters: dict[int, Interpreter]) -> str:
    """The interpreter the test's instances run: this one, and the oldest the shim supports."""
    if request.param == "running":
        return sys.executable
    oldest = host_interpreters.get(MINIMUM_MINOR)
    if oldest is None:
        pytest.skip(f"no Python 3.{MINIMUM_MINOR} on this host")
    return str(oldest.path)
