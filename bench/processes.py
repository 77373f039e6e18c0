"""Servers in subprocesses of their own session, and stopping them (and what they started).

Each server runs in a new session, so its process group is its own. modelyard starts its model
instances in sessions of their own too, so before stopping a server we note every descendant
process it has, and kill any of those that outlive it.
"""

from __future__ import annotations

import contextlib
import os
import resource
import signal
import socket
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

STOP_GRACE = 15.0


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Server:
    """A started server: its process, where it listens, and where its output goes."""

    name: str
    process: subprocess.Popen[bytes]
    url: str
    log_path: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def log_tail(self, lines: int = 40) -> str:
        """The last lines the server printed, for error messages."""
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


def start_server(
    name: str, command: Sequence[str], *, port: int, log_path: Path, env: dict[str, str]
) -> Server:
    """Start ``command`` in a new session, its output to ``log_path``."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            list(command),
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
    return Server(name, process, f"http://127.0.0.1:{port}", log_path)


def wait_for_line(server: Server, prefix: str, timeout: float) -> str:
    """The first line of the server's output starting with ``prefix``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for line in server.log_path.read_text(errors="replace").splitlines():
            if line.startswith(prefix):
                return line
        check_alive(server)
        time.sleep(0.05)
    raise RuntimeError(f"{server.name} printed no line starting {prefix!r}:\n{server.log_tail()}")


def wait_until_listening(server: Server, path: str, timeout: float) -> None:
    """Wait until ``GET path`` gets any HTTP answer."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        check_alive(server)
        try:
            httpx.get(server.url + path, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.05)
    raise RuntimeError(f"{server.name} did not come up at {server.url}:\n{server.log_tail()}")


def check_alive(server: Server) -> None:
    """Raise with the server's output if it has exited."""
    code = server.process.poll()
    if code is not None:
        raise RuntimeError(f"{server.name} exited with code {code}:\n{server.log_tail()}")


def process_table() -> dict[int, tuple[int, str]]:
    """Every process as pid -> (parent pid, start time in clock ticks), from /proc."""
    table: dict[int, tuple[int, str]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            table[int(stat.parent.name)] = (int(fields[1]), fields[19])
    return table


def descendants(pid: int) -> dict[int, str]:
    """Every live process below ``pid``, as pid -> start time (to tell a reused pid apart)."""
    table = process_table()
    children: dict[int, list[int]] = {}
    for child, (parent, _) in table.items():
        children.setdefault(parent, []).append(child)
    found: dict[int, str] = {}
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found[child] = table[child][1]
            todo.append(child)
    return found


def stop_server(server: Server) -> None:
    """SIGTERM the server's group, SIGKILL it after a grace period, then kill leftovers."""
    leftovers = descendants(server.pid)
    signal_group(server.pid, signal.SIGTERM)
    try:
        server.process.wait(timeout=STOP_GRACE)
    except subprocess.TimeoutExpired:
        signal_group(server.pid, signal.SIGKILL)
        server.process.wait()
    signal_group(server.pid, signal.SIGKILL)
    kill_leftovers(leftovers)


def signal_group(pid: int, signum: signal.Signals) -> None:
    """Send ``signum`` to the process group led by ``pid``, if it still exists."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signum)


def kill_leftovers(noted: dict[int, str]) -> None:
    """SIGKILL the noted processes that still run (same pid and start time)."""
    table = process_table()
    for pid, started in noted.items():
        if pid in table and table[pid][1] == started:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)


def cpu_seconds(pid: int) -> tuple[float, float]:
    """CPU time (user + system) used so far by ``pid``, and by every live process below it."""
    own = process_cpu(pid)
    below = sum(process_cpu(child) for child in descendants(pid))
    return own, below


def process_cpu(pid: int) -> float:
    """User + system seconds of one live process (0 if it is gone)."""
    with contextlib.suppress(OSError, ValueError, IndexError):
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return 0.0


def machine_busy_seconds() -> float:
    """CPU seconds all cores of the machine have spent busy since boot (from /proc/stat)."""
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(f) for f in fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def children_cpu_seconds() -> float:
    """CPU seconds used by the children this process has waited for (wrk runs, for one)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


QUIET_SHARE = 0.10


def wait_for_quiet(pids: Sequence[int], patience: float) -> None:
    """Wait (up to ``patience`` seconds) for a second in which processes other than ``pids``
    and their descendants use less than QUIET_SHARE of the CPUs: the machine may be shared."""
    deadline = time.monotonic() + patience
    while True:
        ours, busy = tree_cpu(pids), machine_busy_seconds()
        time.sleep(1)
        ours, busy = tree_cpu(pids) - ours, machine_busy_seconds() - busy
        other = (busy - ours) / (os.cpu_count() or 1)
        if other < QUIET_SHARE or time.monotonic() > deadline:
            return
        print(f"  waiting: other processes use {other:.0%} of the CPUs", flush=True)


def tree_cpu(pids: Sequence[int]) -> float:
    """CPU seconds so far of ``pids`` and everything they started."""
    return sum(sum(cpu_seconds(pid)) for pid in pids)


def rss_mib(pid: int) -> tuple[float, float]:
    """Resident memory (MiB) of ``pid`` now, and of it with every live process below it."""
    own = process_rss(pid)
    return own, own + sum(process_rss(child) for child in descendants(pid))


def process_rss(pid: int) -> float:
    """VmRSS of one live process in MiB (0 if it is gone)."""
    with contextlib.suppress(OSError, ValueError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0
