"""Answers of one API server's requests: one reply queue of its own, consumed by one thread.

Celery's rpc result backend keeps a consumer per thread and, under concurrency, left a waiting
caller to find its answer only at its next one-second poll (measured: p99 1 s at c=1, 1 request/s
at c=32 through it). Here every request names this server's reply queue (``reply_to``) and its
task id as the correlation id; the instance's rpc backend publishes the answer there, and the one
consuming thread hands each to whoever waits for it: a thread's event, or a future on the
server's event loop (so an awaited request waits without a thread).

The queue is exclusive to the consuming connection: it goes when the server does. Answers
published while that connection is being re-established are lost; their callers time out.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from typing import Any

from celery import Celery
from kombu.entity import Queue

logger = logging.getLogger(__name__)
FINAL = frozenset({"SUCCESS", "FAILURE", "REVOKED"})
Deliver = Callable[[dict[str, Any]], None]


class Replies:
    """The reply queue of this process and the callers waiting on it."""

    def __init__(self, app: Celery) -> None:
        self.app = app
        self.queue_name = f"modelyard.reply.{uuid.uuid4().hex}"
        self._waiting: dict[str, Deliver] = {}
        self._lock = threading.Lock()
        self._ready = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, *, timeout: float = 30.0) -> None:
        """Consume the reply queue from a thread of its own; returns once it consumes."""
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="modelyard-replies", daemon=True
                )
                self._thread.start()
        if not self._ready.wait(timeout):
            raise RuntimeError(f"could not consume {self.queue_name} within {timeout:g} s")

    def stop(self) -> None:
        self._stop.set()

    def expect(self, task_id: str, deliver: Deliver) -> None:
        """Hand the answer to ``task_id`` to ``deliver`` (on the consuming thread)."""
        with self._lock:
            self._waiting[task_id] = deliver

    def forget(self, task_id: str) -> None:
        with self._lock:
            self._waiting.pop(task_id, None)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._consume()
            except Exception:
                logger.warning("the reply queue's connection failed; reconnecting", exc_info=True)
                self._ready.clear()
                self._stop.wait(1.0)

    def _consume(self) -> None:
        queue = Queue(  # type: ignore[no-untyped-call]
            self.queue_name, exclusive=True, auto_delete=True, durable=False
        )
        with (
            self.app.connection_for_read() as connection,
            connection.Consumer(queue, callbacks=[self._on_message], no_ack=True, accept=["json"]),
        ):
            self._ready.set()
            while not self._stop.is_set():
                try:
                    connection.drain_events(timeout=1.0)
                except TimeoutError:  # socket.timeout too
                    connection.heartbeat_check()

    def _on_message(self, body: Any, message: Any) -> None:
        if not isinstance(body, dict) or body.get("status") not in FINAL:
            return
        task_id = message.properties.get("correlation_id") or body.get("task_id")
        with self._lock:
            deliver = self._waiting.pop(str(task_id), None)
        if deliver is not None:
            try:
                deliver(body)
            except Exception:
                logger.exception("delivering the answer to %s failed", task_id)
