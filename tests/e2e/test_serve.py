"""``modelyard serve`` as users run it: a token printed once, data that survives restarts."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.support.server import free_port, wait_until_up

pytestmark = pytest.mark.slow


def start(data_dir: Path, port: int) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MODELYARD_")}
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "modelyard",
            "serve",
            "--port",
            str(port),
            "--data-dir",
            str(data_dir),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def stop(process: subprocess.Popen[str]) -> str:
    process.terminate()
    output, _ = process.communicate(timeout=15)
    return output


class TestServeOnTheEmbeddedDefault:
    def test_token_is_printed_once_and_keeps_working_after_restart(self, tmp_path: Path) -> None:
        data_dir, port = tmp_path / "data", free_port()
        url = f"http://127.0.0.1:{port}"
        first = start(data_dir, port)
        wait_until_up(url, time.monotonic() + 60)
        output = stop(first)
        tokens = [line.split()[1] for line in output.splitlines() if line.startswith("Token ")]
        assert len(tokens) == 1
        assert (data_dir / "modelyard.db").exists()

        second = start(data_dir, port)
        try:
            wait_until_up(url, time.monotonic() + 60)
            headers = {"Authorization": f"Token {tokens[0]}"}
            projects = httpx.get(f"{url}/v2.1/projects", headers=headers).json()
            assert [p["name"] for p in projects] == ["default"]
        finally:
            output = stop(second)
        assert "Token " not in output
