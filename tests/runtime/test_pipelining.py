"""Requests waiting in an instance's pipe: at the pool's maximum, a quick model's next requests
are sent while it works, and each still gets its own answer, whatever happens to the request
before it (a timeout, a crash), or to itself while it waits."""

from __future__ import annotations

import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from modelyard.runtime import RequestOutcome, Supervisor
from modelyard.runtime import pool as pools
from modelyard.runtime.pool import PIPELINE_DEPTH
from modelyard.runtime.sandbox import Sandbox
from tests.runtime.support import spec_for, wait_until, write_package

MODEL = """
    import os
    import time

    class Model:
        def __init__(self, base_directory, context):
            pass

        def request(self, data):
            if data.get("crash"):
                os._exit(3)
            time.sleep(data.get("seconds", 0))
            print("answering", data["n"])
            return {"n": data["n"], "pid": os.getpid()}
"""


@pytest.fixture
def quick_enough(monkeypatch: pytest.MonkeyPatch) -> None:
    """The no-op model counts as quick however loaded the machine is: its round trips stay
    well under a millisecond on an idle one, but not beside a CI run (these tests are about
    what happens in the pipe, not about the threshold: test_a_slow_model_s_requests_wait...)."""
    monkeypatch.setattr(pools, "PIPELINE_BELOW", 0.05)


@pytest.fixture
def deployed(supervisor: Supervisor, tmp_path: Path) -> Supervisor:
    package = write_package(tmp_path, MODEL)
    spec = spec_for(package, sandbox=Sandbox.off(), minimum_instances=1, maximum_instances=1)
    supervisor.deploy(spec)
    return supervisor


def ask(supervisor: Supervisor, n: int, timeout: float = 20, **data: Any) -> RequestOutcome:
    return supervisor.request_blocking(
        "dep", {"n": n, **data}, request_id=f"r-{n}", timeout=timeout
    )


def warm(supervisor: Supervisor, *, seconds: float = 0.0) -> int:
    """A few requests, so that the instance's recent answers are timed; its pid."""
    outcomes = [ask(supervisor, -i, seconds=seconds) for i in range(1, 6)]
    assert all(outcome.success for outcome in outcomes)
    pid: int = outcomes[-1].result["pid"]
    return pid


def behind(
    pool: ThreadPoolExecutor, supervisor: Supervisor, count: int, timeout: float = 20
) -> list[Future[RequestOutcome]]:
    """``count`` quick requests sent while another holds the instance."""
    return [pool.submit(ask, supervisor, n, timeout) for n in range(1, count + 1)]


class TestQuickModels:
    @pytest.mark.usefixtures("quick_enough")
    def test_requests_wait_in_the_pipe_and_each_gets_its_own_answer(
        self, deployed: Supervisor
    ) -> None:
        warm(deployed)
        with ThreadPoolExecutor(PIPELINE_DEPTH + 4) as pool:
            holding = pool.submit(ask, deployed, 0, seconds=1.5)
            waiting = behind(pool, deployed, PIPELINE_DEPTH + 3)
            assert wait_until(lambda: deployed.loads("dep") == [PIPELINE_DEPTH], timeout=5)
            assert holding.result().success
            answers = [future.result().result["n"] for future in waiting]
        assert answers == list(range(1, PIPELINE_DEPTH + 4))

    def test_a_slow_model_s_requests_wait_for_a_free_instance(self, deployed: Supervisor) -> None:
        warm(deployed, seconds=0.005)
        with ThreadPoolExecutor(4) as pool:
            holding = pool.submit(ask, deployed, 0, seconds=0.5)
            waiting = behind(pool, deployed, 3)
            time.sleep(0.3)
            assert deployed.loads("dep") == [1]
            assert holding.result().success
            assert all(future.result().success for future in waiting)

    def test_an_instance_below_its_maximum_starts_another_rather_than_queue(
        self, supervisor: Supervisor, tmp_path: Path
    ) -> None:
        package = write_package(tmp_path, MODEL)
        spec = spec_for(package, sandbox=Sandbox.off(), minimum_instances=1, maximum_instances=2)
        supervisor.deploy(spec)
        warm(supervisor)
        with ThreadPoolExecutor(2) as pool:
            holding = pool.submit(ask, supervisor, 0, seconds=1.0)
            time.sleep(0.2)
            quick = ask(supervisor, 1)
            assert quick.success
            assert quick.result["pid"] != holding.result().result["pid"]


class TestWhatGoesWrong:
    @pytest.mark.usefixtures("quick_enough")
    def test_the_requests_behind_a_timed_out_one_run_on_a_fresh_instance(
        self, deployed: Supervisor
    ) -> None:
        first = warm(deployed)
        with ThreadPoolExecutor(4) as pool:
            stuck = pool.submit(ask, deployed, 0, 1.5, seconds=60)
            time.sleep(0.1)
            waiting = behind(pool, deployed, 3)
            assert wait_until(lambda: deployed.loads("dep") == [4], timeout=5)
            assert stuck.result().error == (
                "the request timed out after 1.5 seconds; its instance was stopped"
            )
            outcomes = [future.result() for future in waiting]
        assert [outcome.error for outcome in outcomes] == [None, None, None]
        assert [outcome.result["n"] for outcome in outcomes] == [1, 2, 3]
        assert {outcome.result["pid"] for outcome in outcomes} != {first}

    @pytest.mark.usefixtures("quick_enough")
    def test_the_requests_behind_a_crash_run_on_a_fresh_instance(
        self, deployed: Supervisor
    ) -> None:
        warm(deployed)
        with ThreadPoolExecutor(4) as pool:
            crashing = pool.submit(ask, deployed, 0, seconds=0.3, crash=True)
            time.sleep(0.1)
            waiting = behind(pool, deployed, 3)
            assert not crashing.result().success
            assert "exit code 3" in (crashing.result().error or "")
            assert [future.result().result["n"] for future in waiting] == [1, 2, 3]

    def test_a_request_that_times_out_in_the_pipe_is_not_run_and_leaves_the_instance_alone(
        self, deployed: Supervisor, logs: Any
    ) -> None:
        first = warm(deployed)
        with ThreadPoolExecutor(2) as pool:
            holding = pool.submit(ask, deployed, 0, seconds=1.0)
            time.sleep(0.1)
            late = ask(deployed, 1, timeout=0.3)
            assert late.error == (
                "the request timed out after 0.3 seconds waiting for a free instance"
            )
            assert holding.result().result == {"n": 0, "pid": first}
        assert ask(deployed, 2).result == {"n": 2, "pid": first}
        assert wait_until(lambda: deployed.loads("dep") == [0])
        assert logs.lines("r-1", "stdout") == []  # past its deadline: the model never ran it

    @pytest.mark.usefixtures("quick_enough")
    def test_a_waiting_request_s_output_is_logged_under_its_own_id(
        self, deployed: Supervisor, logs: Any
    ) -> None:
        warm(deployed)
        with ThreadPoolExecutor(3) as pool:
            pool.submit(ask, deployed, 0, seconds=0.3)
            waiting = behind(pool, deployed, 2)
            assert all(future.result().success for future in waiting)
        assert logs.lines("r-2", "stdout") == ["answering 2"]
