"""A celery-mode cluster on one machine, as separate processes with separate data directories:
API servers (``modelyard serve``) and workers (``modelyard worker``) that share only
PostgreSQL, RabbitMQ (127.0.0.1:5672, guest) and a loopback S3 server (moto).

These tests need PostgreSQL (``MODELYARD_TEST_POSTGRES_URL``) and RabbitMQ. Without PostgreSQL
they skip, except under ``CI``, where they fail loudly (``.ci/run`` sets the URL); an
unreachable broker fails them under CI too.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import create_engine, text

from tests.storage.s3server import CREDENTIALS, moto_server, new_bucket, object_keys
from tests.support.databases import POSTGRES_URL, Templates, fresh_database
from tests.support.server import RunningServer, kill_instances, running_server, server_env

BROKER_URL = os.environ.get("MODELYARD_TEST_BROKER_URL", "amqp://guest:guest@127.0.0.1:5672//")
HEARTBEAT = "1"


def require_cluster_services() -> None:
    """Skip without PostgreSQL or RabbitMQ; under CI fail instead."""
    missing = []
    if not POSTGRES_URL:
        missing.append("MODELYARD_TEST_POSTGRES_URL is not set")
    host, port = "127.0.0.1", 5672
    try:
        socket.create_connection((host, port), timeout=2).close()
    except OSError as error:
        missing.append(f"RabbitMQ at {host}:{port} is unreachable ({error})")
    if not missing:
        return
    message = "the celery cluster tests need PostgreSQL and RabbitMQ: " + "; ".join(missing)
    if os.environ.get("CI"):
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


@dataclass
class Cluster:
    """What every machine of the test cluster shares, and the processes started on it."""

    database_url: str
    env: dict[str, str]
    root: Path
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)
    worker_dirs: list[Path] = field(default_factory=list)

    def worker(self, name: str) -> subprocess.Popen[bytes]:
        """Start ``modelyard worker`` with a data directory of its own, in its own process
        group (so a test can kill the worker with its instances)."""
        data_dir = self.root / name
        log = (self.root / f"{name}.log").open("ab")
        process = subprocess.Popen(
            [sys.executable, "-m", "modelyard", "worker", "--data-dir", str(data_dir)],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        self.workers.append(process)
        self.worker_dirs.append(data_dir)
        return process

    @contextmanager
    def server(self, name: str, *, token: str | None = None, **env: str) -> Iterator[RunningServer]:
        """``modelyard serve`` in celery mode with a data directory of its own."""
        with running_server(
            self.database_url, self.root / name, token=token, env={**self.env, **env}
        ) as running:
            yield running

    def stop_workers(self) -> None:
        for process in self.workers:
            kill_group(process, signal.SIGTERM)
        for process in self.workers:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                kill_group(process, signal.SIGKILL)
                process.wait()
        for process in self.workers:  # what a killed worker's instances left behind
            kill_group(process, signal.SIGKILL)
        for data_dir in self.worker_dirs:
            kill_instances(data_dir)

    def instance_processes(self) -> dict[str, int]:
        """Placement id → pid of every running instance process (``modelyard worker instance``).

        A child the instance process has just forked shows its parent's command line until it
        execs (the shim's launch, an interpreter probe), and may end a moment later: a match
        whose parent matched too is such a child, not an instance."""
        matched: dict[int, tuple[str, int]] = {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                argv = (entry / "cmdline").read_bytes().split(b"\0")
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            words = [a.decode(errors="replace") for a in argv if a]
            if "worker" in words and "instance" in words and self.env_marker(entry):
                matched[int(entry.name)] = (words[-1], parent)  # the placement id comes last
        return {
            placement: pid for pid, (placement, parent) in matched.items() if parent not in matched
        }

    def env_marker(self, proc: Path) -> bool:
        """Whether the process belongs to this cluster (its database in its environment)."""
        try:
            return self.database_url.encode() in (proc / "environ").read_bytes()
        except OSError:
            return False

    def stored_keys(self) -> list[str]:
        """Every key in the cluster's bucket on the shared S3 server."""
        url = urlsplit(self.env["MODELYARD_STORAGE_URL"])
        return object_keys(parse_qs(url.query)["endpoint_url"][0], url.netloc)

    def wait_for_workers(self, count: int, timeout: float = 60) -> None:
        """Until ``count`` workers have joined (heartbeated): the controller places instances
        only on workers it knows, and never moves them onto one that joins later."""
        wait_for(
            lambda: self.query("SELECT count(*) FROM workers") == [(count,)],
            timeout=timeout,
            message=f"{count} workers did not join",
        )

    def ready_placements(self) -> int:
        rows = self.query("SELECT count(*) FROM placements WHERE ready_at IS NOT NULL")
        return int(str(rows[0][0]))

    def query(self, statement: str) -> list[tuple[object, ...]]:
        engine = create_engine(self.database_url)
        try:
            with engine.connect() as connection:
                return [tuple(row) for row in connection.execute(text(statement))]
        finally:
            engine.dispose()


def kill_group(process: subprocess.Popen[bytes], signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signum)


@contextmanager
def cluster(templates: Templates, root: Path) -> Iterator[Cluster]:
    """A fresh PostgreSQL database, a fresh bucket on a moto server, and the shared settings."""
    require_cluster_services()
    with moto_server() as endpoint, fresh_database(templates, "postgresql", root) as url:
        bucket = new_bucket(endpoint)
        env = {
            **server_env(url),
            **CREDENTIALS,
            "MODELYARD_EXECUTOR": "celery",
            "MODELYARD_BROKER_URL": BROKER_URL,
            "MODELYARD_STORAGE_URL": f"s3://{bucket}/artifacts?endpoint_url={endpoint}",
            "MODELYARD_SECRET_KEY": Fernet.generate_key().decode(),
            "MODELYARD_WORKER_HEARTBEAT_SECONDS": HEARTBEAT,
        }
        for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"):
            env.pop(name, None)
        running = Cluster(url, env, root)
        try:
            yield running
        finally:
            running.stop_workers()
            delete_queues(running)


def delete_queues(running: Cluster) -> None:
    """Remove the test's version queues from the shared broker."""
    from kombu import Connection

    versions = [str(row[0]) for row in running.query("SELECT id FROM model_versions")]
    with Connection(BROKER_URL) as connection:
        for version in versions:  # a channel each: an error closes the channel it came on
            with contextlib.suppress(Exception), connection.channel() as channel:
                channel.queue_delete(f"modelyard.v.{version}")


def wait_for(condition: object, *, timeout: float, message: str) -> None:
    deadline = time.monotonic() + timeout
    assert callable(condition)
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(message)
