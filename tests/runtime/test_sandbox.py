"""The sandbox around an instance, on this machine: it holds across the threads that start and
stop instances, and nothing of an instance outlives it."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from modelyard.runtime.instance import Instance
from tests.runtime.support import LogCollector, spec_for, write_package

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
