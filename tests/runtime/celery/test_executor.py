"""The celery executor keeps what is not a version deployment (Leia document models, train
copies: they work on this server's files) on the server's own supervisor, and never touches
the broker for it."""

from __future__ import annotations

import uuid
from pathlib import Path

from modelyard.runtime import create_executor
from modelyard.runtime.celery.executor import is_remote
from tests.runtime.support import LogCollector, spec_for, write_package

DOUBLER = """
    class Model:
        def __init__(self, base_directory, context):
            pass

        def request(self, data):
            return data * 2
"""
NO_BROKER = "amqp://guest:guest@127.0.0.1:9//"
"""Nothing listens there: a request that reached for the broker would fail."""


class TestWhatRunsWhere:
    def test_version_ids_go_to_the_cluster_and_other_keys_stay(self) -> None:
        assert is_remote(str(uuid.uuid4()))
        assert not is_remote("document-model-3")
        assert not is_remote("train-9f2c")

    def test_a_document_model_runs_on_this_server_without_the_broker(
        self, tmp_path: Path, logs: LogCollector
    ) -> None:
        executor = create_executor("celery", log_sink=logs, broker_url=NO_BROKER)
        spec = spec_for(write_package(tmp_path, DOUBLER), key="document-model-1")
        try:
            executor.deploy(spec)
            outcome = executor.request_blocking("document-model-1", 21, request_id="r1", timeout=10)
        finally:
            executor.shutdown()
        assert outcome.success
        assert outcome.result == 42
