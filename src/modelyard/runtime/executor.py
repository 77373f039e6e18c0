"""Executors: where requests run. A Protocol plus a registry by name.

``local`` runs the supervisor inside the server process. A scale-out executor (celery) will
register under its own name and carry the same calls to workers that run the same supervisor;
the database stays the source of truth for every request, the executor only carries work.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from modelyard.runtime.spec import InstanceSpec, LogSink, RequestOutcome
from modelyard.runtime.supervisor import Supervisor


class Executor(Protocol):
    """Deploys versions and runs their requests; every method may block its calling thread."""

    def deploy(self, spec: InstanceSpec) -> None:
        """Serve ``spec``, replacing a deployment with the same key."""

    def undeploy(self, key: str) -> None:
        """Stop serving ``key``."""

    def request(
        self, key: str, data: Any, *, request_id: str, timeout: float | None
    ) -> RequestOutcome:
        """Run one request of deployment ``key``."""

    def shutdown(self) -> None:
        """Stop everything this executor started."""


ExecutorFactory = Callable[..., Executor]


class LocalExecutor:
    """Runs instances as subprocesses of this process, through one in-process Supervisor."""

    def __init__(self, log_sink: LogSink, **options: Any) -> None:
        self.supervisor = Supervisor(log_sink, **options)

    def deploy(self, spec: InstanceSpec) -> None:
        """Serve ``spec`` on this machine."""
        self.supervisor.deploy(spec)

    def undeploy(self, key: str) -> None:
        """Stop serving ``key`` on this machine."""
        self.supervisor.undeploy(key)

    def request(
        self, key: str, data: Any, *, request_id: str, timeout: float | None
    ) -> RequestOutcome:
        """Run one request on a local instance."""
        return self.supervisor.request(key, data, request_id=request_id, timeout=timeout)

    def shutdown(self) -> None:
        """Stop the local instances."""
        self.supervisor.shutdown()

    def instance_count(self, key: str) -> int:
        """How many instances of ``key`` run here now (sampled for the ``instances`` metric)."""
        return self.supervisor.instance_count(key)


_EXECUTORS: dict[str, ExecutorFactory] = {"local": LocalExecutor}


def register_executor(name: str, factory: ExecutorFactory) -> None:
    """Make an executor available by name (a factory taking ``log_sink`` and options)."""
    _EXECUTORS[name] = factory


def unregister_executor(name: str) -> None:
    """Remove a registered executor (for plugins being unloaded, and tests)."""
    _EXECUTORS.pop(name, None)


def executor_names() -> list[str]:
    """The names that ``create_executor`` accepts."""
    return sorted(_EXECUTORS)


def create_executor(name: str, *, log_sink: LogSink, **options: Any) -> Executor:
    """Build the executor registered as ``name``."""
    try:
        factory = _EXECUTORS[name]
    except KeyError:
        known = ", ".join(executor_names())
        raise ValueError(f"unknown executor {name!r}; known executors: {known}") from None
    return factory(log_sink, **options)
