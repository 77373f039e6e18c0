"""The sandbox around an instance, on this machine: it holds across the threads that start and
stop instances, and nothing of an instance outlives it."""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from pathlib import Path

from modelyard.runtime import Supervisor
from modelyard.runtime.instance import Instance
from modelyard.runtime.pool import disk_used
from modelyard.runtime.sandbox import Limits
from tests.runtime.support import (
    LogCollector,
    machine_sandbox,
    spec_for,
    wait_until,
    write_package,
)

LOOKER = """
import os


class Model:
    def __init__(self, base_directory, context):
        pass

    def request(self, data):
        if data.get("spawn"):
            os.system("sleep 300 &")
        if data.get("read"):
            try:
                with open(data["read"]) as handle:
                    return {"read": handle.read()}
            except OSError as error:
                return {"refused": type(error).__name__}
        return {"pid": os.getpid(), "ppid": os.getppid()}
"""


def processes_running(package: Path) -> list[str]:
    """Command lines on this machine that mention the package (the sandbox and the shim)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                command = (entry / "cmdline").read_bytes().replace(b"\\0", b" ").decode()
            except OSError:
                continue
            if str(package) in command or "sleep 300" in command:
                found.append(command)
    return found


def wait_gone(package: Path, timeout: float = 10.0) -> list[str]:
    deadline = time.monotonic() + timeout
    while (left := processes_running(package)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return left


class TestTheSandbox:
    def test_an_instance_started_by_a_thread_that_ended_still_serves(
        self, tmp_path: Path, logs: LogCollector
    ) -> None:
        package = write_package(tmp_path, LOOKER)
        started: list[Instance] = []
        starter = threading.Thread(
            target=lambda: started.append(Instance.start(spec_for(package), logs, timeout=30))
        )
        starter.start()
        starter.join()
        (instance,) = started
        time.sleep(0.3)
        try:
            outcome = instance.call("r1", {}, timeout=10)
        finally:
            instance.stop()
        assert outcome.success, outcome.error
        assert outcome.result["pid"] < 10  # a PID namespace of its own

    def test_killing_an_instance_ends_every_process_it_started(
        self, tmp_path: Path, logs: LogCollector
    ) -> None:
        package = write_package(tmp_path, LOOKER)
        instance = Instance.start(spec_for(package), logs, timeout=30)
        assert instance.call("r1", {"spawn": True}, timeout=10).success
        assert processes_running(package)
        threading.Thread(target=instance.kill).start()
        assert wait_gone(package) == []

    def test_files_beside_its_package_are_out_of_sight(
        self, tmp_path: Path, logs: LogCollector
    ) -> None:
        package = write_package(tmp_path / "mine", LOOKER)
        neighbour = tmp_path / "theirs.txt"
        neighbour.write_text("not yours")
        instance = Instance.start(spec_for(package), logs, timeout=30)
        try:
            outcome = instance.call("r1", {"read": str(neighbour)}, timeout=10)
            own = instance.call("r2", {"read": str(package / "model.py")}, timeout=10)
        finally:
            instance.stop()
        assert outcome.result == {"refused": "FileNotFoundError"}
        assert "class Model" in own.result["read"]


FILLER = """
import os
import time


class Model:
    def __init__(self, base_directory, context):
        pass

    def request(self, data):
        if data == "fill":
            for n in range(10000):
                with open(os.path.join(os.environ["TMPDIR"], "part-%d" % n), "wb") as out:
                    out.write(os.urandom(1024 * 1024))
                time.sleep(0.01)
        return "calm"
"""


class TestDiskLimit:
    def test_many_small_files_over_the_limit_end_the_request_and_are_cleared(
        self, tmp_path: Path, logs: LogCollector, supervisor: Supervisor
    ) -> None:
        package = write_package(tmp_path, FILLER)
        sandbox = replace(machine_sandbox(), limits=Limits(disk_mb=16))
        spec = spec_for(package, key="filler", sandbox=sandbox)
        supervisor.deploy(spec)
        outcome = supervisor.request_blocking("filler", "fill", request_id="r1", timeout=60)
        assert not outcome.success
        assert not outcome.lost
        assert outcome.error == (
            "the instance was stopped while handling the request: it wrote more than its disk "
            "limit of 16 MB to its scratch directory"
        )
        assert wait_until(lambda: disk_used(Path(spec.scratch_dir)) < 16 * 1024 * 1024)
        calm = supervisor.request_blocking("filler", "hello", request_id="r2", timeout=30)
        assert calm.result == "calm"
