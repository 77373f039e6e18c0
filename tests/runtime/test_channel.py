"""Requests awaited on an event loop: the supervisor on a loop thread of its own (awaited from
another loop, as a caller elsewhere would) and bound to a loop a server runs, here in a thread."""

from __future__ import annotations

import asyncio
import os
import signal
import threading
import time
from collections.abc import Coroutine, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import pytest

from modelyard.runtime import RequestOutcome, Supervisor, instance
from modelyard.runtime.instance import AsyncInstance
from modelyard.runtime.sandbox import Sandbox
from tests.runtime.support import LogCollector, spec_for, wait_until, write_package

T = TypeVar("T")

ECHO = """
    import os
    import time

    class Model:
        def __init__(self, base_directory, context):
            pass

        def request(self, data):
            print("serving", data["value"])
            time.sleep(data.get("sleep", 0))
            return {"value": data["value"], "pid": os.getpid()}
"""


class Served:
    """A supervisor and the loop its requests are awaited on: the loop it was bound to, or
    (``loop`` None) a fresh one per call while the supervisor runs a loop thread of its own."""

    def __init__(self, supervisor: Supervisor, loop: asyncio.AbstractEventLoop | None) -> None:
        self.supervisor = supervisor
        self.loop = loop
        self._threads = ThreadPoolExecutor(4)

    def submit(self, work: Coroutine[Any, Any, T]) -> Future[T]:
        if self.loop is not None:
            return asyncio.run_coroutine_threadsafe(work, self.loop)
        return self._threads.submit(asyncio.run, work)

    def run(self, work: Coroutine[Any, Any, T]) -> T:
        return self.submit(work).result(timeout=120)

    async def ask(self, value: Any, *, sleep: float = 0, timeout: float = 30) -> RequestOutcome:
        data = {"value": value, "sleep": sleep}
        return await self.supervisor.request("dep", data, request_id=f"r{value}", timeout=timeout)

    async def ask_many(self, count: int, *, sleep: float = 0) -> list[RequestOutcome]:
        return list(await asyncio.gather(*(self.ask(n, sleep=sleep) for n in range(count))))

    def close(self) -> None:
        self.supervisor.shutdown()
        self._threads.shutdown()


@pytest.fixture
def server_loop() -> Iterator[asyncio.AbstractEventLoop]:
    """An event loop running in a thread, as a server's would."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="server-loop", daemon=True)
    thread.start()
    yield loop
    loop.call_soon_threadsafe(loop.stop)
    thread.join()
    loop.run_until_complete(loop.shutdown_default_executor())
    loop.close()


@pytest.fixture
def bound(server_loop: asyncio.AbstractEventLoop, logs: LogCollector) -> Iterator[Served]:
    served = Served(Supervisor(logs, reap_interval=0.1, start_timeout=30), server_loop)
    served.run(bind(served.supervisor))
    yield served
    served.close()


@pytest.fixture(params=["own loop", "bound loop"])
def served(
    request: pytest.FixtureRequest, server_loop: asyncio.AbstractEventLoop, logs: LogCollector
) -> Iterator[Served]:
    supervisor = Supervisor(logs, reap_interval=0.1, start_timeout=30)
    running = Served(supervisor, server_loop if request.param == "bound loop" else None)
    if running.loop is not None:
        running.run(bind(supervisor))
    yield running
    running.close()


async def bind(supervisor: Supervisor) -> None:
    """What a server does at start-up, inside its running loop."""
    supervisor.bind_loop(asyncio.get_running_loop())


def deploy(served: Served, package: Path, **fields: Any) -> None:
    """Unsandboxed, as in test_supervisor.py, so that pids are the host's."""
    served.supervisor.deploy(spec_for(package, **{"sandbox": Sandbox.off(), **fields}))


@pytest.fixture
def package(tmp_path: Path) -> Path:
    return write_package(tmp_path, ECHO)


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


class TestConcurrentRequests:
    def test_many_requests_over_two_instances_each_get_their_own_answer(
        self, served: Served, package: Path, logs: LogCollector
    ) -> None:
        deploy(served, package, maximum_instances=2)
        outcomes = served.run(served.ask_many(40, sleep=0.02))
        assert [outcome.result["value"] for outcome in outcomes] == list(range(40))
        pids = {outcome.result["pid"] for outcome in outcomes}
        assert pids == set(served.supervisor.pids("dep"))
        assert len(pids) == 2
        assert all(logs.lines(f"r{n}", "stdout") == [f"serving {n}"] for n in range(40))

    def test_a_plain_thread_is_served_while_the_loop_serves_others(
        self, served: Served, package: Path
    ) -> None:
        deploy(served, package, minimum_instances=1, maximum_instances=2)
        others = served.submit(served.ask_many(10, sleep=0.1))
        mine = [
            served.supervisor.request_blocking(
                "dep", {"value": f"t{n}"}, request_id=f"t{n}", timeout=30
            )
            for n in range(3)
        ]
        assert [outcome.result["value"] for outcome in mine] == ["t0", "t1", "t2"]
        answers = others.result(timeout=60)
        assert [outcome.result["value"] for outcome in answers] == list(range(10))


class TestTheWire:
    def test_a_reply_many_pipe_buffers_long_after_a_burst_of_log_lines_arrives_whole(
        self, served: Served, tmp_path: Path, logs: LogCollector
    ) -> None:
        chatty = """
            class Model:
                def __init__(self, base_directory, context):
                    pass

                def request(self, data):
                    for n in range(2000):
                        print("line", n)
                    return "x" * data
        """
        deploy(served, write_package(tmp_path, chatty))
        size = 3 * 1024 * 1024
        outcome = served.run(served.supervisor.request("dep", size, request_id="big", timeout=60))
        assert outcome.result == "x" * size
        assert logs.lines("big", "stdout") == [f"line {n}" for n in range(2000)]


class TestFailures:
    def test_a_request_over_its_timeout_fails_and_its_instance_is_replaced(
        self, served: Served, package: Path
    ) -> None:
        deploy(served, package, minimum_instances=1)
        (first,) = served.supervisor.pids("dep")
        slow = served.run(served.ask("slow", sleep=60, timeout=0.5))
        assert slow.error == "the request timed out after 0.5 seconds; its instance was stopped"
        assert not slow.lost
        assert gone(first)
        assert served.run(served.ask("next")).result["pid"] != first

    def test_an_instance_killed_mid_request_reports_it_lost(
        self, served: Served, package: Path, logs: LogCollector
    ) -> None:
        deploy(served, package, minimum_instances=1)
        (first,) = served.supervisor.pids("dep")
        in_flight = served.submit(served.ask("doomed", sleep=60))
        assert wait_until(lambda: logs.lines("rdoomed", "stdout") == ["serving doomed"])
        os.kill(first, signal.SIGKILL)
        outcome = in_flight.result(timeout=30)
        assert outcome.lost
        assert outcome.error is not None
        assert outcome.error.startswith(
            "the instance stopped while handling the request (killed by SIGKILL"
        )
        assert served.run(served.ask("next")).result["value"] == "next"

    def test_a_model_that_cannot_load_fails_requests_at_once_with_its_error(
        self, served: Served, tmp_path: Path, logs: LogCollector
    ) -> None:
        deploy(served, write_package(tmp_path, "raise ImportError('no torch')\n"))
        first, second = (served.run(served.ask(n)) for n in range(2))
        expected = "the instance failed to start: ImportError: no torch"
        assert (first.error, second.error) == (expected, expected)
        starts = [line for line in logs.lines() if line.startswith("instance failed to start")]
        assert len(starts) == 1

    def test_a_cancelled_request_stops_its_instance_and_the_next_gets_its_own_answer(
        self, served: Served, package: Path, logs: LogCollector
    ) -> None:
        deploy(served, package, minimum_instances=1, maximum_instances=1)
        (first,) = served.supervisor.pids("dep")

        async def cancel_one_then_ask() -> RequestOutcome:
            doomed = asyncio.ensure_future(served.ask("cancelled", sleep=60))
            while not logs.lines("rcancelled", "stdout"):
                await asyncio.sleep(0.01)
            doomed.cancel()
            with pytest.raises(asyncio.CancelledError):
                await doomed
            return await served.ask("next")

        outcome = served.run(cancel_one_then_ask())
        assert outcome.result["value"] == "next"
        assert outcome.result["pid"] != first
        assert wait_until(lambda: gone(first))

    def test_a_model_stuck_on_a_request_its_caller_left_in_the_pipe_is_stopped_at_its_deadline(
        self, bound: Served, package: Path, logs: LogCollector
    ) -> None:
        deploy(bound, package, minimum_instances=1, maximum_instances=1)
        (first,) = bound.supervisor.pids("dep")

        async def leave_one_in_the_pipe() -> tuple[RequestOutcome, float]:
            for n in range(5):  # quick answers: requests may now wait in the pipe
                await bound.ask(f"warm{n}")
            holding = asyncio.ensure_future(bound.ask("holding", sleep=0.5))
            while not logs.lines("rholding", "stdout"):
                await asyncio.sleep(0.01)
            left = asyncio.ensure_future(bound.ask("left", sleep=60, timeout=1.0))
            await asyncio.sleep(0.1)
            assert bound.supervisor.loads("dep") == [2]
            left.cancel()
            assert (await holding).success
            started = time.monotonic()
            behind = await bound.ask("behind", timeout=30)
            return behind, time.monotonic() - started

        behind, waited = bound.run(leave_one_in_the_pipe())
        assert logs.lines("rleft", "stdout") == ["serving left"]  # the model took it up
        assert behind.result["value"] == "behind"
        assert behind.result["pid"] != first
        assert waited < 10  # the deadline (1 s) and its grace, not the model's 60 s
        assert wait_until(lambda: gone(first))


class TestReaping:
    def test_idle_instances_stop_down_to_the_minimum(
        self, served: Served, package: Path, logs: LogCollector
    ) -> None:
        deploy(served, package, minimum_instances=1, maximum_instances=3, maximum_idle_time=0.3)
        served.run(served.ask_many(3, sleep=0.5))
        assert wait_until(lambda: served.supervisor.instance_count("dep") == 1)
        idled = [line for line in logs.lines(None, "system") if "was idle for more than" in line]
        assert len(idled) == 2


class TestTheSpin:
    """A quick model's reply is read by a brief spin on its pipe when it is the only request in
    flight; whatever the spin reads goes through the same frame reader as the loop's reads."""

    QUICK = """
        import os
        import time

        class Model:
            def __init__(self, base_directory, context):
                pass

            def request(self, data):
                if data.get("exit"):
                    os._exit(4)
                print("serving", data["value"], flush=True)
                time.sleep(data.get("sleep", 0))
                return {"value": data["value"]}
    """

    @pytest.fixture
    def quick(self, served: Served, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Served:
        # "quick" up to 50 ms here, so that a slow or busy machine still spins
        monkeypatch.setattr(instance, "SPIN_BELOW", 0.05)
        deploy(served, write_package(tmp_path, self.QUICK), minimum_instances=1)
        served.run(served.ask("warm"))
        return served

    def test_one_request_at_a_time_each_gets_its_own_answer_and_log_lines(
        self, quick: Served, logs: LogCollector
    ) -> None:
        before = AsyncInstance.spun
        answers = [quick.run(quick.ask(n)).result["value"] for n in range(60)]
        assert answers == list(range(60))
        assert all(logs.lines(f"r{n}", "stdout") == [f"serving {n}"] for n in range(60))
        assert AsyncInstance.spun > before  # read by the spin, not only by the loop

    def test_a_reply_later_than_the_spin_is_read_by_the_loop_with_its_log_line(
        self, quick: Served, logs: LogCollector
    ) -> None:
        for n in range(10):
            quick.run(quick.ask(n))
        before = AsyncInstance.spun
        late = quick.run(quick.ask("late", sleep=0.05))  # its log line comes at once
        assert late.result == {"value": "late"}
        assert AsyncInstance.spun == before  # the spin gave up; the loop read the reply
        assert logs.lines("rlate", "stdout") == ["serving late"]
        assert quick.run(quick.ask("after")).result["value"] == "after"

    def test_a_model_that_exits_during_the_spin_is_reported_lost(self, quick: Served) -> None:
        for n in range(10):
            quick.run(quick.ask(n))
        (first,) = quick.supervisor.pids("dep")
        data = {"value": "doomed", "exit": True}
        outcome = quick.run(quick.supervisor.request("dep", data, request_id="d", timeout=30))
        assert outcome.lost
        assert "exit code 4" in (outcome.error or "")
        after = quick.run(quick.ask("after"))
        assert after.result["value"] == "after"
        assert quick.supervisor.pids("dep") != [first]


class TestTheBoundLoop:
    def test_requests_run_on_the_bound_loop_with_no_loop_thread_of_its_own(
        self, bound: Served, package: Path
    ) -> None:
        deploy(bound, package)
        assert bound.run(bound.ask(1)).result["value"] == 1
        assert "supervisor" not in {thread.name for thread in threading.enumerate()}

    def test_request_blocking_and_deploy_refuse_to_block_it(
        self, bound: Served, package: Path
    ) -> None:
        deploy(bound, package)

        async def block_the_loop() -> None:
            bound.supervisor.request_blocking("dep", {"value": 1}, request_id="r", timeout=5)

        async def deploy_on_the_loop() -> None:
            deploy(bound, package)

        with pytest.raises(RuntimeError, match="request_blocking was called on"):
            bound.run(block_the_loop())
        with pytest.raises(RuntimeError, match="call them from a thread"):
            bound.run(deploy_on_the_loop())

    def test_shutdown_on_the_loop_kills_every_instance_there_and_then(
        self, bound: Served, package: Path, logs: LogCollector
    ) -> None:
        deploy(bound, package, minimum_instances=2, maximum_instances=2)
        pids = bound.supervisor.pids("dep")
        in_flight = bound.submit(bound.ask("doomed", sleep=60))
        assert wait_until(lambda: logs.lines("rdoomed", "stdout") == ["serving doomed"])

        async def lifespan_ends() -> None:
            bound.supervisor.shutdown()

        bound.run(lifespan_ends())
        assert all(gone(pid) for pid in pids)
        outcome = in_flight.result(timeout=30)
        assert outcome.error == "the instance was stopped while handling the request"
        assert outcome.lost

    def test_pids_can_be_read_on_the_loop(self, bound: Served, package: Path) -> None:
        deploy(bound, package, minimum_instances=2, maximum_instances=2)

        async def pids() -> list[int]:
            return bound.supervisor.pids("dep")

        assert bound.run(pids()) == bound.supervisor.pids("dep")
        assert len(bound.run(pids())) == 2

    def test_binding_after_the_first_deploy_is_refused(
        self, logs: LogCollector, package: Path, server_loop: asyncio.AbstractEventLoop
    ) -> None:
        served = Served(Supervisor(logs), None)
        try:
            deploy(served, package)
            with pytest.raises(RuntimeError, match="before the first deploy"):
                served.supervisor.bind_loop(server_loop)
        finally:
            served.close()


class TestALoopThatStops:
    def test_a_thread_waiting_on_it_is_told_and_not_left_hanging(
        self, logs: LogCollector, package: Path
    ) -> None:
        """A server's loop stops (its lifespan over) while a background thread deploys: the
        thread gets a RuntimeError instead of waiting forever for work that will never run."""
        loop = asyncio.new_event_loop()
        thread = threading.Thread(target=loop.run_forever, daemon=True)
        thread.start()
        supervisor = Supervisor(logs)
        asyncio.run_coroutine_threadsafe(bind(supervisor), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        try:
            waiting = ThreadPoolExecutor(1).submit(deploy, Served(supervisor, loop), package)
            with pytest.raises(RuntimeError, match="event loop stopped"):
                waiting.result(timeout=10)
        finally:
            left = asyncio.all_tasks(loop)  # the reaper
            for task in left:
                task.cancel()
            loop.run_until_complete(asyncio.gather(*left, return_exceptions=True))
            loop.close()
