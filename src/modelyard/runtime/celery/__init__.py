"""The ``celery`` executor: requests carried to instances on other machines through RabbitMQ.

Each deployed version has one durable queue, ``modelyard.v.<version id>``; an instance is a
Celery worker process (one pool thread, prefetch 1, late acknowledgement) consuming only that queue
and owning the version's shim through the same ``Supervisor`` the local executor uses, so an
idle instance pulls the next request and no router of ours balances load. Only this package
imports Celery, and only when ``MODELYARD_EXECUTOR=celery`` asks for it (``executor.py``
registers it lazily). Like the rest of the runtime it knows nothing of the database: a message
carries the deployment key, the request id, the data and the timeout, never a spec or a secret.
Blob fields carry blob ids: the ``answer`` the worker's core hands ``register_task`` fetches
and stores the files on the worker's machine (``Serving.answer_for``).
"""

from modelyard.runtime.celery.app import QUEUE_PREFIX, TASK_NAME, make_app, queue_name
from modelyard.runtime.celery.executor import CeleryExecutor
from modelyard.runtime.celery.instance import register_task, serve_queue

__all__ = [
    "QUEUE_PREFIX",
    "TASK_NAME",
    "CeleryExecutor",
    "make_app",
    "queue_name",
    "register_task",
    "serve_queue",
]
