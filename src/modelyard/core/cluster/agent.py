"""``modelyard worker``: one per machine; runs the instances the controller placed on it.

It heartbeats its ``workers`` row and, each pass, starts an instance process for each of its
placements that has none (or whose process died) and stops, with SIGTERM (Celery's warm
shutdown: the request running finishes), the processes whose placement is gone. Instance
processes stay in the worker's process group: a worker killed with its group takes its
instances with it, and their unacknowledged requests go back to their queues.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from modelyard.core.cluster import service
from modelyard.db.engine import SessionFactory, transaction

logger = logging.getLogger(__name__)
PASS_SECONDS = 0.5
STOP_GRACE = 3600.0
"""How long a stopping instance may finish its request (the longest request timeout)."""


@dataclass
class Running:
    placement_id: uuid.UUID
    version_id: uuid.UUID
    process: subprocess.Popen[bytes]
    stopping_since: float | None = None
    restarts: int = 0


@dataclass
class Agent:
    """The worker of one machine."""

    sessions: SessionFactory
    instance_command: list[str]
    """How to start one instance process; the placement id is appended."""
    heartbeat_seconds: float = 5.0
    name: str = field(default_factory=socket.gethostname)
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    env: dict[str, str] | None = None
    running: dict[uuid.UUID, Running] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)
    _last_beat: float = 0.0

    def run(self) -> None:
        """Heartbeat and keep instances matching placements until ``stop``."""
        try:
            while not self._stop.is_set():
                self.step()
                self._stop.wait(PASS_SECONDS)
        finally:
            self.drain()

    def stop(self) -> None:
        self._stop.set()

    def step(self) -> None:
        """One pass: heartbeat when due, then match processes to placements."""
        now = time.monotonic()
        if now - self._last_beat >= self.heartbeat_seconds:
            with transaction(self.sessions) as session:
                service.heartbeat(session, self.id, name=self.name, memory_mb=available_mb())
            self._last_beat = now
        with transaction(self.sessions) as session:
            wanted = {p.id: p for p in service.placements_of(session, self.id)}
        for placement_id, placed in wanted.items():
            running = self.running.get(placement_id)
            if running is None or running.process.poll() is not None:
                self._start(placement_id, placed.version_id, running)
        for placement_id, running in list(self.running.items()):
            if placement_id not in wanted:
                self._retire(running)

    def drain(self) -> None:
        """Stop every instance warmly (each finishes its request) and leave the cluster."""
        for running in self.running.values():
            if running.process.poll() is None:
                running.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE
        for running in self.running.values():
            try:
                running.process.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                running.process.kill()
                running.process.wait()
        self.running.clear()
        with transaction(self.sessions) as session:
            service.leave(session, self.id)

    def _start(self, placement_id: uuid.UUID, version_id: uuid.UUID, old: Running | None) -> None:
        if old is not None:
            logger.warning(
                "instance of %s (placement %s) ended with %s; starting it again",
                version_id,
                placement_id,
                old.process.returncode,
            )
        process = subprocess.Popen(
            [*self.instance_command, str(placement_id)], env=self.env, stdin=subprocess.DEVNULL
        )
        restarts = 0 if old is None else old.restarts + 1
        self.running[placement_id] = Running(placement_id, version_id, process, restarts=restarts)

    def _retire(self, running: Running) -> None:
        if running.process.poll() is not None:
            del self.running[running.placement_id]
            return
        if running.stopping_since is None:
            running.process.send_signal(signal.SIGTERM)
            running.stopping_since = time.monotonic()
        elif time.monotonic() - running.stopping_since > STOP_GRACE:
            running.process.kill()


def available_mb() -> int:
    """The machine's available memory in MB (Linux), for placing by free memory."""
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) // 1024
    except OSError:
        pass
    pages = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    return int(pages // (1024 * 1024))


def instance_command(data_dir: Path) -> list[str]:
    """``python -m modelyard worker instance`` with this interpreter and data directory (its
    environments, unpacked packages and scratch space are the worker's)."""
    command = [sys.executable, "-m", "modelyard", "worker", "instance"]
    return [*command, "--data-dir", str(data_dir.resolve())]
