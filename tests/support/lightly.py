"""Real object stores on loopback for the Lightly datasource tests, each a subprocess: moto
(S3, from ``tests/storage/s3server.py``), gcp-storage-emulator (GCS) and Azurite (Azure Blob,
installed by ``make test`` into ``.venv/node``), plus the real ``lightly==1.2.2`` client."""

from __future__ import annotations

import builtins
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.support.server import free_port, start_process, wait_until_up

AZURITE = Path(sys.prefix) / "node" / "node_modules" / ".bin" / "azurite-blob"
AZURITE_ACCOUNT = "devstoreaccount1"
AZURITE_KEY = (
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)
"""Azurite's well-known development account (public, in Microsoft's documentation)."""


def unique_bucket() -> str:
    return f"modelyard-{uuid.uuid4().hex[:12]}"


def _wait(url: str, process: subprocess.Popen[bytes], what: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with code {process.returncode}")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError(f"{what} at {url} did not come up")


@contextmanager
def _running(command: list[str], url: str, what: str) -> Iterator[str]:
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait(url, process, what)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def gcs_emulator() -> Iterator[str]:
    """``gcp-storage-emulator`` in memory on a free port; yields its endpoint URL."""
    port = free_port()
    executable = str(Path(sys.executable).parent / "gcp-storage-emulator")
    command = [executable, "start", "--host", "127.0.0.1", "--port", str(port), "--in-memory"]
    with _running(command, f"http://127.0.0.1:{port}", "gcp-storage-emulator") as url:
        yield url


@contextmanager
def azurite(workdir: Path) -> Iterator[str]:
    """Azurite's blob service on a free port; yields the endpoint template with ``{account}``."""
    if not AZURITE.exists():
        raise RuntimeError(f"{AZURITE} is missing: run `make test` (it installs Azurite)")
    port = free_port()
    command = [
        str(AZURITE), "--blobHost", "127.0.0.1", "--blobPort", str(port),
        "--location", str(workdir), "--skipApiVersionCheck", "--loose",
    ]  # fmt: skip
    with _running(command, f"http://127.0.0.1:{port}", "azurite"):
        yield f"http://127.0.0.1:{port}/{{account}}"


def gcs_fs(endpoint: str) -> Any:
    from gcsfs.core import GCSFileSystem

    return GCSFileSystem(
        project="test", token="anon", endpoint_url=endpoint, skip_instance_cache=True
    )


def azure_fs(endpoint: str) -> Any:
    import adlfs

    url = endpoint.replace("{account}", AZURITE_ACCOUNT)
    connection = (
        f"DefaultEndpointsProtocol=http;AccountName={AZURITE_ACCOUNT};"
        f"AccountKey={AZURITE_KEY};BlobEndpoint={url};"
    )
    return adlfs.AzureBlobFileSystem(connection_string=connection, skip_instance_cache=True)


def lightly_api(url: str, token: str) -> tuple[Any, Any]:
    """The ``DatasetsApi`` and ``DatasourcesApi`` of ``lightly==1.2.2`` for this server (the
    setup flag keeps ``lightly/__init__`` from importing torch)."""
    builtins.__LIGHTLY_SETUP__ = True  # type: ignore[attr-defined]
    from lightly.openapi_generated.swagger_client import (
        ApiClient,
        Configuration,
        DatasetsApi,
        DatasourcesApi,
    )

    configuration = Configuration()
    configuration.host = url
    configuration.api_key["token"] = token
    client = ApiClient(configuration)
    return DatasetsApi(client), DatasourcesApi(client)


@dataclass
class LoggedServer:
    """A running ``modelyard serve`` whose whole output is kept (to search it for secrets)."""

    url: str
    token: str
    output: list[str] = field(default_factory=list)

    def log(self) -> str:
        return "".join(self.output)


@contextmanager
def logged_server(database_url: str, data_dir: Path, env: dict[str, str]) -> Iterator[LoggedServer]:
    """Like ``running_server``, but a thread drains and keeps the output (a full pipe would
    stall a server that logs every request)."""
    port = free_port()
    process = start_process(database_url, data_dir, port, env=env)
    assert process.stdout is not None
    stream = process.stdout
    token_line = threading.Event()
    server = LoggedServer(f"http://127.0.0.1:{port}", "")

    def drain() -> None:
        for line in stream:
            server.output.append(line)
            if line.startswith("Token ") and not server.token:
                server.token = line.split()[1]
                token_line.set()
        token_line.set()  # the server ended: stop waiting for a token that will not come

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        if not token_line.wait(120) or not server.token:
            code = process.poll()
            raise RuntimeError(f"server printed no token (exit code {code}): {server.log()}")
        wait_until_up(server.url, time.monotonic() + 60)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        reader.join(timeout=10)
        stream.close()
