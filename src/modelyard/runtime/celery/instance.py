"""The instance side: one Celery worker process serving one version's queue through the same
``Supervisor`` (and shim, and sandbox) the local executor uses.

The shim is run by a ``LocalExecutor`` in this process (its supervisor, pool and sandbox), never
by a copy of that code. The process consumes only ``modelyard.v.<key>`` with one pool thread and
prefetch 1, so it runs one request at a time and holds no other unacknowledged.

The pool is Celery's ``threads`` with concurrency 1, not ``solo`` as first planned: measured
here, a solo worker's event loop left a delivery that arrived while a task ran in the client
library's buffer until its next timer (the broker heartbeat check, every 3.3 s): two echo
instances answered 8-16 requests/s at c=16 with stalls of 3.3-10 s; with one pool thread the
loop keeps reading and the same run gives 755 requests/s, p99 under 70 ms. A request whose shim
was lost mid-run (the supervisor's ``lost``) is given back to the queue once, so another
instance answers it; lost again, the caller hears so. SIGTERM is Celery's warm shutdown: the
running request finishes.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any

from celery import Celery, Task
from celery.exceptions import Reject

from modelyard.runtime.celery.app import TASK_NAME, queue_name, version_queue
from modelyard.runtime.spec import RequestOutcome

Answer = Callable[..., RequestOutcome]
"""``request_blocking`` of the executor that owns the shim (``LocalExecutor``'s), wrapped for a
version with blob fields by the fetching and storing of its files on this machine."""


def register_task(
    app: Celery, answer: Answer, key: str, *, on_request: Callable[[], None] | None = None
) -> None:
    """Answer ``TASK_NAME`` messages for ``key`` with ``answer`` (the local supervisor's)."""

    @app.task(  # type: ignore[untyped-decorator]
        name=TASK_NAME, bind=True, acks_late=True, reject_on_worker_lost=True
    )
    def run(
        task: Task[Any, Any], for_key: str, request_id: str, data: Any, timeout: float | None
    ) -> dict[str, Any]:
        if on_request is not None:
            on_request()
        if for_key != key:
            return {"success": False, "error": f"instance of {key} got a request of {for_key}"}
        outcome = answer(key, data, request_id=request_id, timeout=timeout)
        if outcome.lost and not (task.request.delivery_info or {}).get("redelivered"):
            raise Reject("the instance was lost mid-request", requeue=True)
        return {
            "success": outcome.success,
            "result": outcome.result,
            "error": outcome.error,
            "lost": outcome.lost,
        }


def serve_queue(app: Celery, key: str, *, node: str | None = None) -> None:
    """Run a Celery worker on ``key``'s queue in this process until it is told to stop."""
    app.conf.task_queues = [version_queue(key)]
    name = node or f"{key}@{socket.gethostname()}"
    app.worker_main(
        [
            "worker",
            "--pool=threads",
            f"--queues={queue_name(key)}",
            "--concurrency=1",
            "--prefetch-multiplier=1",
            f"--hostname={name}",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel=WARNING",
        ]
    )
