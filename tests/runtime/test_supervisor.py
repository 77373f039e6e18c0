"""The supervisor with real instances: crashes, timeouts, scaling, idling, memory, deploys."""

from __future__ import annotations

import os
import signal
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from modelyard.runtime import InstanceSpec, NotDeployedError, RequestOutcome, Supervisor
from modelyard.runtime.sandbox import Sandbox
from tests.runtime.support import LogCollector, spec_for, wait_until, write_package

WORKER = """
    import os
    import time

    class Model:
        def __init__(self, base_directory, context):
            self.name = context.get("name", "")

        def request(self, data):
            action = data.get("action")
            if action == "crash":
                os._exit(3)
            if action == "sleep":
                time.sleep(data["seconds"])
            if action == "allocate":
                block = bytearray(data["megabytes"] * 1024 * 1024)
                return len(block)
            if action == "print":
                print("working on", data["value"])
            return {"pid": os.getpid(), "name": self.name}
"""

LINGERING = """
    import subprocess

    class Model:
        def __init__(self, base_directory, context):
            # in a session of its own (not killed with the instance), holding its pipes
            subprocess.Popen(["sleep", "3"], start_new_session=True)

        def request(self, data):
            return data
"""
WRITES_ITS_PID = """
    import os
    from pathlib import Path

    class Model:
        def __init__(self, base_directory, context):
            (Path(base_directory) / "pid").write_text(str(os.getpid()))

        def request(self, data):
            return data
"""


def spec(package: Path, **fields: Any) -> InstanceSpec:
    """Unsandboxed (``MODELYARD_SANDBOX=off``): these tests follow instances by the pid their
    model reports, which a PID namespace hides; test_sandbox.py runs the same pools confined."""
    return spec_for(package, **{"sandbox": Sandbox.off(), **fields})


@pytest.fixture
def package(tmp_path: Path) -> Path:
    return write_package(tmp_path, WORKER)


def ask(supervisor: Supervisor, data: dict[str, Any], *, timeout: float = 20) -> RequestOutcome:
    return supervisor.request_blocking(
        "dep", data, request_id=f"r-{time.monotonic_ns()}", timeout=timeout
    )


def pid_of(outcome: RequestOutcome) -> int:
    assert outcome.success, outcome.error
    pid: int = outcome.result["pid"]
    return pid


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


class TestCrashes:
    def test_a_crash_fails_its_request_and_the_next_runs_on_a_fresh_instance(
        self, supervisor: Supervisor, package: Path
    ) -> None:
        supervisor.deploy(spec(package, minimum_instances=1))
        first = pid_of(ask(supervisor, {}))
        crashed = ask(supervisor, {"action": "crash"})
        assert not crashed.success
        assert crashed.error == "the instance stopped while handling the request (exit code 3)"
        assert crashed.lost
        second = pid_of(ask(supervisor, {}))
        assert second != first
        assert gone(first)

    def test_an_idle_instance_that_dies_is_replaced_to_keep_the_minimum(
        self, supervisor: Supervisor, package: Path
    ) -> None:
        supervisor.deploy(spec(package, minimum_instances=1))
        (first,) = supervisor.pids("dep")
        os.kill(first, signal.SIGKILL)
        assert wait_until(lambda: len(supervisor.pids("dep")) == 1 and gone(first))
        assert pid_of(ask(supervisor, {})) != first


class TestTimeouts:
    def test_a_request_over_its_timeout_fails_and_its_instance_is_replaced(
        self, supervisor: Supervisor, package: Path
    ) -> None:
        supervisor.deploy(spec(package, minimum_instances=1))
        first = pid_of(ask(supervisor, {}))
        started = time.monotonic()
        slow = ask(supervisor, {"action": "sleep", "seconds": 60}, timeout=0.5)
        assert time.monotonic() - started < 5
        assert not slow.success
        assert slow.error == "the request timed out after 0.5 seconds; its instance was stopped"
        assert not slow.lost
        assert gone(first)
        assert wait_until(lambda: supervisor.instance_count("dep") == 1)
        assert pid_of(ask(supervisor, {})) != first

    def test_waiting_for_a_busy_instance_counts_against_the_timeout(
        self, supervisor: Supervisor, package: Path
    ) -> None:
        supervisor.deploy(spec(package, minimum_instances=1, maximum_instances=1))
        with ThreadPoolExecutor(2) as pool:
            busy = pool.submit(ask, supervisor, {"action": "sleep", "seconds": 1.5})
            time.sleep(0.3)
            queued = ask(supervisor, {}, timeout=0.3)
            assert busy.result().success
        assert queued.error == (
            "the request timed out after 0.3 seconds waiting for a free instance"
        )


class TestScaling:
    def test_minimum_instances_are_warm_after_deploy(
        self, supervisor: Supervisor, package: Path
    ) -> None:
        supervisor.deploy(spec(package, minimum_instances=2, maximum_instances=3))
        assert supervisor.instance_count("dep") == 2

    def test_concurrent_requests_scale_up_to_the_maximum(
        self, supervisor: Supervisor, package: Path
    ) -> None:
        supervisor.deploy(spec(package, minimum_instances=0, maximum_instances=3))
        assert supervisor.instance_count("dep") == 0
        with ThreadPoolExecutor(5) as pool:
            slow = {"action": "sleep", "seconds": 1.0}
            outcomes = list(pool.map(lambda _: ask(supervisor, slow), range(5)))
        assert {pid_of(outcome) for outcome in outcomes} == set(supervisor.pids("dep"))
        assert supervisor.instance_count("dep") == 3

    def test_requests_queue_for_the_only_instance(
        self, supervisor: Supervisor, package: Path
    ) -> None:
        supervisor.deploy(spec(package, minimum_instances=1, maximum_instances=1))
        with ThreadPoolExecutor(3) as pool:
            slow = {"action": "sleep", "seconds": 0.2}
            outcomes = list(pool.map(lambda _: ask(supervisor, slow), range(3)))
        assert len({pid_of(outcome) for outcome in outcomes}) == 1

    def test_idle_instances_stop_down_to_the_minimum(
        self, supervisor: Supervisor, package: Path, logs: LogCollector
    ) -> None:
        supervisor.deploy(
            spec(package, minimum_instances=1, maximum_instances=3, maximum_idle_time=0.5)
        )
        with ThreadPoolExecutor(3) as pool:
            slow = {"action": "sleep", "seconds": 0.5}
            list(pool.map(lambda _: ask(supervisor, slow), range(3)))
        assert supervisor.instance_count("dep") == 3
        assert wait_until(lambda: supervisor.instance_count("dep") == 1)
        time.sleep(1.0)
        assert supervisor.instance_count("dep") == 1
        idled = [line for line in logs.lines(None, "system") if "was idle for more than" in line]
        assert len(idled) == 2


class TestMemory:
    def test_a_model_over_its_memory_limit_gets_a_clear_error(
        self, supervisor: Supervisor, package: Path
    ) -> None:
        supervisor.deploy(spec(package, memory_mb=256))
        outcome = ask(supervisor, {"action": "allocate", "megabytes": 512})
        assert not outcome.success
        assert outcome.error == "memory limit of 256 MB exceeded (MemoryError)"
        assert ask(supervisor, {"action": "allocate", "megabytes": 16}).result == 16 * 1024 * 1024


class TestLogs:
    def test_model_output_is_logged_with_the_request_id(
        self, supervisor: Supervisor, package: Path, logs: LogCollector
    ) -> None:
        supervisor.deploy(spec(package))
        supervisor.request_blocking(
            "dep", {"action": "print", "value": 5}, request_id="abc", timeout=10
        )
        record = next(record for record in logs.records if record.request_id == "abc")
        assert (record.key, record.stream, record.line) == ("dep", "stdout", "working on 5")
        assert abs(record.time - time.time()) < 60


class TestDeployments:
    def test_deploying_again_replaces_the_old_instances(
        self, supervisor: Supervisor, tmp_path: Path
    ) -> None:
        old_package = write_package(tmp_path / "old", WORKER)
        new_package = write_package(tmp_path / "new", WORKER)
        supervisor.deploy(spec(old_package, minimum_instances=1, context={"name": "old"}))
        old = ask(supervisor, {})
        supervisor.deploy(spec(new_package, minimum_instances=1, context={"name": "new"}))
        new = ask(supervisor, {})
        assert (old.result["name"], new.result["name"]) == ("old", "new")
        assert gone(pid_of(old))

    def test_undeploy_stops_instances_and_refuses_requests(
        self, supervisor: Supervisor, package: Path
    ) -> None:
        supervisor.deploy(spec(package, minimum_instances=2, maximum_instances=2))
        pids = supervisor.pids("dep")
        supervisor.undeploy("dep")
        assert all(gone(pid) for pid in pids)
        with pytest.raises(NotDeployedError, match="'dep' is not deployed"):
            ask(supervisor, {})

    def test_a_model_that_cannot_load_fails_requests_with_its_error(
        self, supervisor: Supervisor, tmp_path: Path
    ) -> None:
        broken = write_package(tmp_path, "raise ImportError('no module named torch')\n")
        supervisor.deploy(spec(broken))
        outcome = ask(supervisor, {})
        assert outcome.error == ("the instance failed to start: ImportError: no module named torch")

    def test_a_spec_with_impossible_limits_is_refused(
        self, supervisor: Supervisor, package: Path
    ) -> None:
        with pytest.raises(ValueError, match="minimum_instances"):
            supervisor.deploy(spec(package, minimum_instances=3, maximum_instances=2))

    def test_shutdown_fails_requests_in_flight_and_stops_their_instances(
        self, logs: LogCollector, package: Path
    ) -> None:
        running = Supervisor(logs, reap_interval=0.1)
        running.deploy(spec(package, minimum_instances=1))
        (pid,) = running.pids("dep")
        with ThreadPoolExecutor(1) as pool:
            in_flight = pool.submit(ask, running, {"action": "sleep", "seconds": 60})
            time.sleep(0.3)
            running.shutdown()
            outcome = in_flight.result(timeout=10)
        assert outcome.error == "the instance was stopped while handling the request"
        assert gone(pid)

    def test_shutdown_stops_every_instance(self, logs: LogCollector, package: Path) -> None:
        running = Supervisor(logs, reap_interval=0.1)
        running.deploy(spec(package, minimum_instances=2, maximum_instances=2))
        pids = running.pids("dep")
        running.shutdown()
        assert len(pids) == 2
        assert all(gone(pid) for pid in pids)

    def test_a_deploy_that_comes_while_it_shuts_down_is_refused(
        self, logs: LogCollector, tmp_path: Path
    ) -> None:
        """A server's warm-up thread may deploy while its lifespan ends: a pool made after the
        shutdown took its list of pools would never be stopped, its instance outliving the
        server. Stopping the first instance here takes a second (a child it left running holds
        its pipes), and the second deploy comes meanwhile."""
        slow = write_package(tmp_path / "slow", LINGERING)
        late = write_package(tmp_path / "late", WRITES_ITS_PID)
        running = Supervisor(logs, reap_interval=0.1)
        running.deploy(spec(slow, key="slow", minimum_instances=1))
        (pid,) = running.pids("slow")
        with ThreadPoolExecutor(1) as pool:
            shutting = pool.submit(running.shutdown)
            assert wait_until(lambda: gone(pid), timeout=5)
            assert not shutting.done()  # waiting for the pipes the child holds
            with pytest.raises(RuntimeError, match="shut"):
                running.deploy(spec(late, key="late", minimum_instances=1))
            shutting.result(timeout=30)
        assert not (late / "pid").exists()  # refused before anything was launched
