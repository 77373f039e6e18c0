"""A client that leaves a records stream half read gives back, at once, the database
connection the stream reads on: on PostgreSQL a ``COPY`` left open holds a connection of the
pool and a transaction until something closes it, and nothing else would but the collector,
late and on the event loop's thread."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pytest

from tests.support.databases import POSTGRES_URL, Templates
from tests.support.registry import BASE, add_records, bearer, create_model
from tests.support.server import RunningServer, served

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not POSTGRES_URL, reason="streams read through COPY on PostgreSQL only"),
]
RECORDS = 40_000  # 8 of the stream's batches, about 20 MB: far more than sockets buffer
PAD = "x" * 400


@pytest.fixture(scope="module")
def server(
    templates: Templates, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningServer]:
    with served(templates, "postgresql", tmp_path_factory.mktemp("left")) as running:
        yield running


def copies(database_url: str) -> list[str]:
    """The ``COPY`` statements the server's connections are in, on its database."""
    url = database_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url, autocommit=True) as connection:
        rows = connection.execute(
            "SELECT query FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            " AND state <> 'idle' AND query ILIKE 'COPY%'"
        ).fetchall()
    return [row[0] for row in rows]


def half_read(url: str, path: str, token: str) -> bytes:
    """Ask for the stream, read its first 64 KiB and hang up."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        request = f"GET {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n\r\n"
        sock.sendall(request.encode())
        received = b""
        while len(received) < 65536:
            chunk = sock.recv(65536)
            assert chunk, received[:500]
            received += chunk
    return received


def test_a_stream_left_half_read_gives_its_connection_back(
    server: RunningServer, tmp_path: Path
) -> None:
    headers = bearer(server.token)
    with httpx.Client(base_url=server.url, timeout=60) as client:
        model = create_model(client, headers)
        for start in range(0, RECORDS, 10_000):
            body = "".join(
                json.dumps(
                    {
                        "timestamp": f"2024-05-01T00:00:{i // 1_000_000:02d}.{i % 1_000_000:06d}",
                        "model_data": {"i": i, "pad": PAD},
                        "site_name": "s",
                    }
                )
                + "\n"
                for i in range(start, start + 10_000)
            )
            added = add_records(client, headers, model["id"], body)
            assert added.status_code == 201, added.text
        path = f"{BASE}/id/{model['id']}/records/filter?site_names=s"
        for _ in range(3):
            head = half_read(server.url, path, server.token)
            assert head.startswith(b"HTTP/1.1 200"), head[:300]
        deadline = time.monotonic() + 5
        while copies(server.database_url) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert copies(server.database_url) == []
        # and the server still answers, streams included
        whole = client.get(path, headers=headers)
        assert whole.status_code == 200
        assert whole.text.count("\n") == RECORDS
