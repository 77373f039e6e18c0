"""``CeleryExecutor``: the Executor protocol over RabbitMQ, for API servers of a cluster.

``deploy`` declares the version's durable queue and returns: which machines run its instances
is the cluster controller's decision (the ``placements`` table), not this server's, and a request
published before any instance is up waits in the queue meanwhile (scale from zero). A request is
published with an expiry at its deadline and its answer comes back on this server's own reply
queue (``replies.py``); an instance that dies before acknowledging it has it redelivered by
RabbitMQ to another. The message carries the key, the request id, the data and the timeout;
in the data a blob field holds the blob's id (``blobs_on_instances``), never a path on this server.

Only version deployments (keys that are version ids) go to the cluster. What works on this
server's files (a Leia document model applied to uploaded documents, a train job's private
copy) runs on the server's own ``Supervisor``, as in the embedded mode.
"""

from __future__ import annotations

import asyncio
import threading
import uuid
from typing import Any

from modelyard.runtime.celery.app import TASK_NAME, make_app, queue_name, version_queue
from modelyard.runtime.celery.replies import Replies
from modelyard.runtime.spec import InstanceSpec, LogSink, RequestOutcome, emit
from modelyard.runtime.supervisor import Supervisor


class CeleryExecutor:
    """Carries version requests to instances on worker machines; anything else to ``local``."""

    blobs_on_instances = True
    """A version's blob fields travel as blob ids: the machine that runs the instance fetches
    the input blobs from the shared store into its own scratch directory and stores the output
    files as blobs there (``Serving.answer_for``); this server's files never reach a worker."""

    def __init__(
        self, log_sink: LogSink, *, broker_url: str, local: Supervisor | None = None
    ) -> None:
        self._sink = log_sink
        self.app = make_app(broker_url, results=False)
        self.local = local if local is not None else Supervisor(log_sink)
        self.replies = Replies(self.app)
        self._declared: set[str] = set()
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None

    def bind_loop(self, loop: asyncio.AbstractEventLoop) -> None:
        """Awaited requests wait on ``loop`` for their answers; local ones run there."""
        self._loop = loop
        self.local.bind_loop(loop)

    def deploy(self, spec: InstanceSpec) -> None:
        """Declare the version's queue (instances are placed by the controller); a key that is
        not a version's runs here."""
        if not is_remote(spec.key):
            self.local.deploy(spec)
            return
        self.replies.start()
        self._declare(spec.key)

    def undeploy(self, key: str) -> None:
        """Forget ``key`` here; the controller removes its placements once it is gone."""
        if not is_remote(key):
            self.local.undeploy(key)
            return
        with self._lock:
            self._declared.discard(key)

    async def request(
        self, key: str, data: Any, *, request_id: str, timeout: float | None
    ) -> RequestOutcome:
        """Publish and await the answer on this loop (no thread waits for it)."""
        if not is_remote(key):
            return await self.local.request(key, data, request_id=request_id, timeout=timeout)
        loop = asyncio.get_running_loop()
        answer: asyncio.Future[dict[str, Any]] = loop.create_future()

        def deliver(body: dict[str, Any]) -> None:
            loop.call_soon_threadsafe(_settle, answer, body)

        task_id = self._publish(key, data, request_id, timeout, deliver)
        try:
            body = await asyncio.wait_for(answer, timeout)
        except TimeoutError:
            return self._failed(key, request_id, _timed_out(timeout))
        finally:
            self.replies.forget(task_id)
        return self._outcome(key, request_id, body, timeout)

    def request_blocking(
        self, key: str, data: Any, *, request_id: str, timeout: float | None
    ) -> RequestOutcome:
        """Publish one request to ``key``'s queue, expiring at its deadline, and wait for it."""
        if not is_remote(key):
            return self.local.request_blocking(key, data, request_id=request_id, timeout=timeout)
        if self._loop is not None and _running_on(self._loop):
            raise RuntimeError("request_blocking was called on the executor's event loop")
        arrived = threading.Event()
        bodies: list[dict[str, Any]] = []

        def deliver(body: dict[str, Any]) -> None:
            bodies.append(body)
            arrived.set()

        task_id = self._publish(key, data, request_id, timeout, deliver)
        try:
            if not arrived.wait(timeout):
                return self._failed(key, request_id, _timed_out(timeout))
        finally:
            self.replies.forget(task_id)
        return self._outcome(key, request_id, bodies[0], timeout)

    def queue_depths(self, keys: list[str]) -> dict[str, tuple[int, int]]:
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
        """Stop consuming answers and stop the local instances; the cluster's instances belong
        to their workers and keep running."""
        self.replies.stop()
        self.local.shutdown()

    def instance_count(self, key: str) -> int:
        """Instances of ``key`` on this server (the cluster's are counted by their workers)."""
        return self.local.instance_count(key)

    def _publish(
        self, key: str, data: Any, request_id: str, timeout: float | None, deliver: Any
    ) -> str:
        self.replies.start()
        self._declare(key)
        task_id = str(uuid.uuid4())
        self.replies.expect(task_id, deliver)
        try:
            self.app.send_task(
                TASK_NAME,
                args=[key, request_id, data, timeout],
                task_id=task_id,
                queue=queue_name(key),
                routing_key=queue_name(key),
                expires=timeout,
                reply_to=self.replies.queue_name,
            )
        except BaseException:
            self.replies.forget(task_id)
            raise
        return task_id

    def _outcome(
        self, key: str, request_id: str, body: dict[str, Any], timeout: float | None
    ) -> RequestOutcome:
        status, result = body.get("status"), body.get("result")
        if status == "REVOKED":
            return self._failed(key, request_id, _timed_out(timeout))
        if status != "SUCCESS" or not isinstance(result, dict):
            detail = result.get("exc_message") if isinstance(result, dict) else result
            return self._failed(key, request_id, f"the instance failed the request: {detail}")
        return RequestOutcome(
            bool(result.get("success")),
            result.get("result"),
            result.get("error"),
            lost=bool(result.get("lost")),
        )

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


def _settle(answer: asyncio.Future[dict[str, Any]], body: dict[str, Any]) -> None:
    if not answer.done():
        answer.set_result(body)


def is_remote(key: str) -> bool:
    """Whether ``key`` is a version deployment (a version id), which the cluster runs."""
    try:
        uuid.UUID(key)
    except ValueError:
        return False
    return True


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
