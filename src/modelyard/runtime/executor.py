"""Executors: where requests run. A Protocol plus a registry by name.

``local`` runs the supervisor inside the server process, its instances' pipes served by one
asyncio event loop. ``celery`` (``runtime/celery``, imported only when it is asked for) carries
the same calls over RabbitMQ to instances on worker machines that run the same supervisor; the
database stays the source of truth for every request, the executor only carries work.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, Protocol

from modelyard.runtime.spec import InstanceSpec, LogSink, RequestOutcome
from modelyard.runtime.supervisor import Supervisor


class Executor(Protocol):
    """Deploys versions and runs their requests.

    Requests are carried on one event loop, the executor's: its own unless the server hands it
    its running loop with ``bind_loop``. ``request`` is awaited (on that loop it does no thread
    hop; on another loop it hops over and back); ``request_blocking`` is for plain threads and
    raises RuntimeError on the executor's loop. ``deploy`` and ``undeploy`` may block their
    calling thread, so they are called from a thread, never on that loop (RuntimeError);
    ``shutdown`` may also be called on the loop as it ends (a server's lifespan)."""

    def bind_loop(self, loop: asyncio.AbstractEventLoop) -> None:
        """Carry requests on ``loop`` (the caller's running loop); before the first deploy."""

    def deploy(self, spec: InstanceSpec) -> None:
        """Serve ``spec``, replacing a deployment with the same key; returns once warm."""

    def undeploy(self, key: str) -> None:
        """Stop serving ``key``."""

    async def request(
        self, key: str, data: Any, *, request_id: str, timeout: float | None
    ) -> RequestOutcome:
        """Run one request of deployment ``key``; ``timeout`` covers waiting and running."""

    def request_blocking(
        self, key: str, data: Any, *, request_id: str, timeout: float | None
    ) -> RequestOutcome:
        """``request`` from a plain thread (batch workers, pipelines, document jobs)."""

    def shutdown(self) -> None:
        """Stop everything this executor started, killing requests in flight."""


ExecutorFactory = Callable[..., Executor]


class LocalExecutor:
    """Runs instances as subprocesses of this process, through one in-process Supervisor."""

    def __init__(self, log_sink: LogSink, **options: Any) -> None:
        self.supervisor = Supervisor(log_sink, **options)

    def bind_loop(self, loop: asyncio.AbstractEventLoop) -> None:
        """Serve the instances' pipes on ``loop`` rather than a loop thread of our own."""
        self.supervisor.bind_loop(loop)

    def deploy(self, spec: InstanceSpec) -> None:
        """Serve ``spec`` on this machine."""
        self.supervisor.deploy(spec)

    def undeploy(self, key: str) -> None:
        """Stop serving ``key`` on this machine."""
        self.supervisor.undeploy(key)

    async def request(
        self, key: str, data: Any, *, request_id: str, timeout: float | None
    ) -> RequestOutcome:
        """Run one request on a local instance."""
        return await self.supervisor.request(key, data, request_id=request_id, timeout=timeout)

    def request_blocking(
        self, key: str, data: Any, *, request_id: str, timeout: float | None
    ) -> RequestOutcome:
        """Run one request on a local instance, blocking this (non-loop) thread."""
        return self.supervisor.request_blocking(key, data, request_id=request_id, timeout=timeout)

    def shutdown(self) -> None:
        """Stop the local instances."""
        self.supervisor.shutdown()

    def instance_count(self, key: str) -> int:
        """How many instances of ``key`` run here now (sampled for the ``instances`` metric;
        from any thread, the loop's too)."""
        return self.supervisor.instance_count(key)


def _celery(log_sink: LogSink, **options: Any) -> Executor:
    """The scale-out executor, imported only when asked for: the default path loads no Celery."""
    from modelyard.runtime.celery.executor import CeleryExecutor

    return CeleryExecutor(log_sink, **options)


_EXECUTORS: dict[str, ExecutorFactory] = {"local": LocalExecutor, "celery": _celery}


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
