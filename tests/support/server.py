"""A real modelyard server in a subprocess, as a user would start it."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import ubiops

from tests.support.databases import Templates, fresh_database


@dataclass(frozen=True)
class RunningServer:
    """Where the server listens, the admin token it printed, and what it was started with."""

    url: str
    token: str
    data_dir: Path
    database_url: str
    process: subprocess.Popen[str]

    def api(self) -> ubiops.CoreApi:
        """The administrator's ``ubiops`` client for this server."""
        configuration = ubiops.Configuration(
            host=f"{self.url}/v2.1", api_key={"Authorization": f"Token {self.token}"}
        )
        return ubiops.CoreApi(ubiops.ApiClient(configuration))

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run another ``modelyard`` command against the same data."""
        return subprocess.run(
            [sys.executable, "-m", "modelyard", *args, "--data-dir", str(self.data_dir)],
            env=server_env(self.database_url),
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def server_env(database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MODELYARD_")}
    env["MODELYARD_DATABASE_URL"] = database_url
    # instances may write files of up to 64 MB: the disk-filler test stays quick
    env["MODELYARD_SANDBOX_DISK_MB"] = "64"
    # LOCAL datasources of the tests lie in temporary directories (the data dir stays refused)
    env["MODELYARD_LOCAL_DATASOURCE_ROOT"] = tempfile.gettempdir()
    return env


def _read_token(process: subprocess.Popen[str], deadline: float) -> str:
    assert process.stdout is not None
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        if line.startswith("Token "):
            return line.split()[1]
    raise RuntimeError(f"server printed no token (exit code {process.poll()})")


def wait_until_up(url: str, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/v2.1/status", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.05)
    raise RuntimeError(f"server at {url} did not come up")


def start_process(
    database_url: str, data_dir: Path, port: int, *, env: dict[str, str] | None = None
) -> subprocess.Popen[str]:
    """``modelyard serve`` in a subprocess, its output piped for reading."""
    command = [sys.executable, "-m", "modelyard", "serve", "--port", str(port)]
    return subprocess.Popen(
        [*command, "--data-dir", str(data_dir)],
        env={**server_env(database_url), **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def stop_process(process: subprocess.Popen[str], *, kill: bool = False) -> None:
    """Stop politely (SIGTERM, as a user's Ctrl-C), or kill outright to simulate a crash."""
    if kill:
        process.kill()
    else:
        process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    if process.stdout is not None:
        process.stdout.close()


@contextmanager
def running_server(
    database_url: str,
    data_dir: Path,
    *,
    token: str | None = None,
    port: int | None = None,
    env: dict[str, str] | None = None,
) -> Iterator[RunningServer]:
    """Start ``modelyard serve`` on a free port; stop it afterwards.

    On a fresh database the server prints the administrator's token; on a restart pass the
    token from before.
    """
    port = port or free_port()
    process = start_process(database_url, data_dir, port, env=env)
    try:
        deadline = time.monotonic() + 60
        token = token or _read_token(process, deadline)
        url = f"http://127.0.0.1:{port}"
        wait_until_up(url, deadline)
        yield RunningServer(url, token, data_dir, database_url, process)
    finally:
        stop_process(process)


def instance_pids(data_dir: Path) -> list[int]:
    """Model instances of a server: processes running the shim on a package in its data dir
    (a sandboxed instance shows as bubblewrap and the shim inside it)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        if "shim.py" in command and str(data_dir) in command:
            pids.append(int(entry.name))
    return pids


def kill_instances(data_dir: Path) -> None:
    """Kill what is left of a dead server's instances (a sandboxed one may end by itself as its
    input pipe closes, between being found and being killed)."""
    for pid in instance_pids(data_dir):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


@contextmanager
def served(
    templates: Templates, backend: str, workdir: Path, *, env: dict[str, str] | None = None
) -> Iterator[RunningServer]:
    """A fresh migrated database of ``backend`` and a server on it, its data under
    ``workdir``; both gone afterwards."""
    with (
        fresh_database(templates, backend, workdir) as url,
        running_server(url, workdir / "data", env=env) as running,
    ):
        yield running
