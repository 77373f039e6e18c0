"""What crosses the broker: a request's message carries the deployment key, the request id, the
data and the timeout, an expiry at its deadline and this server's reply queue; nothing of the
version's spec (its environment variables, secrets among them, or its paths). Needs RabbitMQ
(skipped without it, failed under CI)."""

from __future__ import annotations

import json
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

from kombu import Connection

from modelyard.runtime.celery.executor import CeleryExecutor
from tests.runtime.celery.cluster import BROKER_URL, require_cluster_services
from tests.runtime.support import LogCollector


class TestARequestMessage:
    def test_carries_ids_data_and_timeout_only_and_expires_at_its_deadline(
        self, logs: LogCollector
    ) -> None:
        require_cluster_services()
        executor = CeleryExecutor(logs, broker_url=BROKER_URL)
        key = str(uuid.uuid4())
        try:
            assert executor.queue_depths([key]) == {key: (0, 0)}  # declared, empty, unserved
            with ThreadPoolExecutor(1) as pool:
                asked = pool.submit(
                    executor.request_blocking, key, {"x": 1}, request_id="r-1", timeout=3
                )
                message = None
                with Connection(BROKER_URL) as connection:
                    channel = connection.channel()
                    deadline = time.monotonic() + 2
                    while message is None and time.monotonic() < deadline:
                        message = channel.basic_get(f"modelyard.v.{key}", no_ack=True)
                    channel.queue_delete(f"modelyard.v.{key}")
                outcome = asked.result(timeout=10)
        finally:
            executor.shutdown()
        assert not outcome.success  # no instance took it: it timed out
        assert outcome.error is not None
        assert "timed out after 3 seconds" in outcome.error
        assert message is not None
        args, kwargs, _ = json.loads(message.body)
        assert args == [key, "r-1", {"x": 1}, 3]
        assert kwargs == {}
        headers = message.headers
        assert headers["task"] == "modelyard.request"
        assert headers["expires"] is not None
        assert message.properties.get("expiration") is not None  # the broker drops it then too
        assert message.properties["reply_to"] == executor.replies.queue_name
        assert message.properties["delivery_mode"] == 2  # persistent, on a durable queue
