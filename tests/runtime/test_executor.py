"""The executor registry and the local executor, end to end with a real instance."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from modelyard.runtime import (
    Executor,
    LocalExecutor,
    NotDeployedError,
    RequestOutcome,
    create_executor,
    executor_names,
    register_executor,
    unregister_executor,
)
from tests.runtime.support import LogCollector, spec_for, write_package

ADDER = """
    class Model:
        def __init__(self, base_directory, context):
            pass

        def request(self, data):
            print("adding")
            return {"sum": data["a"] + data["b"]}
"""


class TestLocalExecutor:
    def test_it_deploys_and_serves_a_request_through_the_supervisor(
        self, tmp_path: Path, logs: LogCollector
    ) -> None:
        executor: Executor = create_executor("local", log_sink=logs, reap_interval=0.1)
        assert isinstance(executor, LocalExecutor)
        spec = spec_for(write_package(tmp_path, ADDER), key="adder")
        try:
            executor.deploy(spec)
            outcome = executor.request_blocking(
                "adder", {"a": 2, "b": 3}, request_id="x1", timeout=10
            )
            executor.undeploy("adder")
            with pytest.raises(NotDeployedError):
                executor.request_blocking("adder", {"a": 1, "b": 1}, request_id="x2", timeout=10)
        finally:
            executor.shutdown()
        assert outcome.result == {"sum": 5}
        assert logs.lines("x1", "stdout") == ["adding"]

    def test_a_server_binds_its_loop_and_awaits_requests_there(
        self, tmp_path: Path, logs: LogCollector
    ) -> None:
        executor: Executor = create_executor("local", log_sink=logs)
        spec = spec_for(write_package(tmp_path, ADDER), key="adder")

        async def serve() -> list[RequestOutcome]:
            executor.bind_loop(asyncio.get_running_loop())
            await asyncio.to_thread(executor.deploy, spec)
            try:
                return list(
                    await asyncio.gather(
                        *(
                            executor.request(
                                "adder", {"a": n, "b": 1}, request_id=f"y{n}", timeout=10
                            )
                            for n in range(5)
                        )
                    )
                )
            finally:
                await asyncio.to_thread(executor.shutdown)

        outcomes = asyncio.run(serve())
        assert [outcome.result for outcome in outcomes] == [{"sum": n + 1} for n in range(5)]

    def test_a_request_awaited_on_another_loop_hops_to_the_executors(
        self, tmp_path: Path, logs: LogCollector
    ) -> None:
        executor: Executor = create_executor("local", log_sink=logs)
        try:
            executor.deploy(spec_for(write_package(tmp_path, ADDER), key="adder"))
            request = executor.request("adder", {"a": 2, "b": 2}, request_id="z", timeout=10)
            outcome = asyncio.run(request)
        finally:
            executor.shutdown()
        assert outcome.result == {"sum": 4}


class TestRegistry:
    def test_an_unknown_name_is_refused_listing_the_known_ones(self, logs: LogCollector) -> None:
        with pytest.raises(
            ValueError, match="unknown executor 'ray'; known executors: celery, local"
        ):
            create_executor("ray", log_sink=logs)

    def test_a_registered_executor_is_created_by_its_name(self, logs: LogCollector) -> None:
        register_executor("local-copy", LocalExecutor)
        try:
            executor = create_executor("local-copy", log_sink=logs)
            executor.shutdown()
            assert "local-copy" in executor_names()
            assert isinstance(executor, LocalExecutor)
        finally:
            unregister_executor("local-copy")
        assert "local-copy" not in executor_names()
