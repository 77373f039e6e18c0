"""The one Celery configuration the API servers and the instances share.

Set explicitly rather than left to Celery's defaults, because each is what makes a dead instance
lose nothing: a message is acknowledged only after its answer is sent (``acks_late``), an
instance holds one message at a time (prefetch 1), a worker lost mid-task gives its message back
(``reject_on_worker_lost``), and a silent connection is noticed within a few heartbeats. Answers
go back with the rpc backend to the reply queue the request names (nothing stored). JSON only.
"""

from __future__ import annotations

from typing import Any

from celery import Celery
from kombu.entity import Queue

QUEUE_PREFIX = "modelyard.v."
TASK_NAME = "modelyard.request"
BROKER_HEARTBEAT = 10.0


def queue_name(key: str) -> str:
    """The durable queue of the deployment ``key`` (a version id)."""
    return f"{QUEUE_PREFIX}{key}"


def version_queue(key: str) -> Queue:
    """The queue of ``key`` as declared by clients and instances alike (durable, direct)."""
    name = queue_name(key)
    return Queue(name, routing_key=name, durable=True)  # type: ignore[no-untyped-call]


def make_app(broker_url: str, *, name: str = "modelyard", results: bool = True) -> Celery:
    """A Celery app on ``broker_url`` (``amqp://``) with modelyard's delivery guarantees; an
    instance's app sends answers with the rpc backend (to the queue a request names), an API
    server's (``results=False``) reads them itself (``replies.py``)."""
    backend = "rpc://" if results else "disabled://"
    app = Celery(name, broker=broker_url, backend=backend, set_as_current=False)
    settings: dict[str, Any] = {
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "task_acks_on_failure_or_timeout": True,
        "worker_prefetch_multiplier": 1,
        "broker_heartbeat": BROKER_HEARTBEAT,
        "broker_connection_retry_on_startup": True,
        "broker_pool_limit": 64,
        "task_serializer": "json",
        "result_serializer": "json",
        "accept_content": ["json"],
        "result_accept_content": ["json"],
        "task_create_missing_queues": True,
        "task_default_delivery_mode": "persistent",
        "result_persistent": False,
        "worker_hijack_root_logger": False,
        "worker_send_task_events": False,
        "task_send_sent_event": False,
        "worker_cancel_long_running_tasks_on_connection_loss": True,
        "worker_enable_remote_control": False,
    }
    app.conf.update(settings)
    return app
