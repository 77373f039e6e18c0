"""``CeleryExecutor``: the Executor protocol over RabbitMQ, for API servers of a cluster.

``deploy`` declares the version's durable queue and returns: which machines run its instances
is the cluster controller's decision (the ``placements`` table), not this server's, and a request
published before any instance is up waits in the queue meanwhile (scale from zero). A request is
published with an expiry at its deadline and waited for on the rpc backend; an instance that
dies before acknowledging it has it redelivered by RabbitMQ to another.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any

from celery.exceptions import TaskRevokedError
from celery.exceptions import TimeoutError as ResultTimeout

from modelyard.runtime.celery.app import TASK_NAME, make_app, queue_name, version_queue
from modelyard.runtime.spec import InstanceSpec, LogSink, RequestOutcome, emit

WAITERS = 64
"""Threads that wait for answers of awaited requests (each holds one reply consumer)."""


class CeleryExecutor:
    """Carries requests to instances on worker machines; keeps no instance itself."""

    def __init__(
        self,
        log_sink: LogSink,
        *,
        broker_url: str,
        on_deploy: Callable[[InstanceSpec], None] | None = None,
        on_undeploy: Callable[[str], None] | None = None,
    ) -> None:
        self._sink = log_sink
        self.app = make_app(broker_url)
        self._on_deploy, self._on_undeploy = on_deploy, on_undeploy
        self._declared: set[str] = set()
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._waiters = ThreadPoolExecutor(WAITERS, thread_name_prefix="celery-request")

    def bind_loop(self, loop: asyncio.AbstractEventLoop) -> None:
        """Awaited requests are waited for in threads and handed back to ``loop``."""
        self._loop = loop

    def deploy(self, spec: InstanceSpec) -> None:
        """Declare the version's queue; instances are placed by the controller."""
        self._declare(spec.key)
        if self._on_deploy is not None:
            self._on_deploy(spec)

    def undeploy(self, key: str) -> None:
        """Forget ``key`` here; the controller removes its placements once it is gone."""
        with self._lock:
            self._declared.discard(key)
        if self._on_undeploy is not None:
            self._on_undeploy(key)

    async def request(
        self, key: str, data: Any, *, request_id: str, timeout: float | None
    ) -> RequestOutcome:
        """Publish and wait for the answer in a waiting thread (a scale-out request pays that
        hop; the embedded local executor is the fast path)."""
        loop = asyncio.get_running_loop()
        call = partial(self.request_blocking, key, data, request_id=request_id, timeout=timeout)
        return await loop.run_in_executor(self._waiters, call)

    def request_blocking(
        self, key: str, data: Any, *, request_id: str, timeout: float | None
    ) -> RequestOutcome:
        """Publish one request to ``key``'s queue, expiring at its deadline, and wait for it."""
        if self._loop is not None and _running_on(self._loop):
            raise RuntimeError("request_blocking was called on the executor's event loop")
        self._declare(key)
        message = self.app.send_task(
            TASK_NAME,
            args=[key, request_id, data, timeout],
            queue=queue_name(key),
            routing_key=queue_name(key),
            expires=timeout,
        )
        try:
            answer = message.get(timeout=timeout, propagate=True, disable_sync_subtasks=False)
        except ResultTimeout:
            return self._failed(key, request_id, _timed_out(timeout))
        except TaskRevokedError:
            return self._failed(key, request_id, _timed_out(timeout))
        except Exception as error:
            return self._failed(key, request_id, f"the instance failed the request: {error}")
        finally:
            message.forget()
        if not isinstance(answer, dict):
            return self._failed(key, request_id, "the instance sent an answer of the wrong shape")
        return RequestOutcome(
            bool(answer.get("success")),
            answer.get("result"),
            answer.get("error"),
            lost=bool(answer.get("lost")),
        )

    def queue_depths(self, keys: Iterable[str]) -> dict[str, tuple[int, int]]:
        """Messages waiting and consumers, per key's queue (declared if missing)."""
        depths: dict[str, tuple[int, int]] = {}
        with self.app.connection_for_write() as connection:
            channel = connection.default_channel
            for key in keys:
                version_queue(key)(channel).declare()  # type: ignore[no-untyped-call]
                ok = channel.queue_declare(queue=queue_name(key), durable=True, passive=True)
                depths[key] = (int(ok.message_count), int(ok.consumer_count))
        return depths

    def shutdown(self) -> None:
        """Stop waiting threads; instances belong to their workers and keep running."""
        self._waiters.shutdown(wait=False, cancel_futures=True)

    def _declare(self, key: str) -> None:
        if key in self._declared:
            return
        with self.app.connection_for_write() as connection:
            queue = version_queue(key)(connection.default_channel)
            queue.declare()  # type: ignore[no-untyped-call]
        with self._lock:
            self._declared.add(key)

    def _failed(self, key: str, request_id: str, reason: str) -> RequestOutcome:
        emit(self._sink, key, request_id, "system", reason)
        return RequestOutcome(False, None, reason)


def _timed_out(timeout: float | None) -> str:
    seconds = "its" if timeout is None else f"{timeout:g} seconds"
    return (
        f"the request timed out after {seconds} (waiting for an instance of the version in "
        "its queue, or for the instance's answer)"
    )


def _running_on(loop: asyncio.AbstractEventLoop) -> bool:
    try:
        return asyncio.get_running_loop() is loop
    except RuntimeError:
        return False
