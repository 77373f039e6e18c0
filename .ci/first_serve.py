"""The first README command as a user meets it, from the wheel, without the dev extras.

Builds the wheel, installs it into a clean virtual environment (runtime dependencies only), starts
``modelyard serve`` from that environment on a free port with a fresh data directory, reads the
token it prints once, makes one authenticated call on each of the five dialects and stops it.

A runtime import that no declared dependency provides, a file left out of the wheel (migrations,
templates, static files) or a crash at start-up fails here, where the dev venv would hide it.
Run with the dev environment's interpreter (it has httpx): ``.venv/bin/python .ci/first_serve.py``.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
PYTHON = os.environ.get("PYTHON", "python3.11")
START_TIMEOUT = 120.0


def step(message: str) -> None:
    print(f"first-serve: {message}", flush=True)


def run(*args: str | Path, cwd: Path | None = None) -> None:
    subprocess.run([str(a) for a in args], check=True, cwd=cwd)


def build_wheel(work: Path) -> Path:
    dist = work / "dist"
    run(sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", dist, ROOT)
    (wheel,) = dist.glob("modelyard-*.whl")
    return wheel


def clean_venv(work: Path, wheel: Path) -> Path:
    venv = work / "venv"
    run(PYTHON, "-m", "venv", venv)
    run(venv / "bin" / "python", "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    run(venv / "bin" / "python", "-m", "pip", "install", "--quiet", wheel)
    return venv


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start(venv: Path, work: Path, port: int) -> tuple[subprocess.Popen[str], str]:
    """Start the server from the clean venv, outside the checkout, and read its one-time token."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MODELYARD_", "PYTHON"))}
    env["MODELYARD_DATA_DIR"] = str(work / "data")
    command = [str(venv / "bin" / "modelyard"), "serve", "--host", "127.0.0.1", "--port", str(port)]
    process = subprocess.Popen(
        command,
        cwd=work,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    assert process.stdout is not None
    deadline = time.monotonic() + START_TIMEOUT
    output: list[str] = []
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        output.append(line)
        if line.startswith("Token "):
            return process, line.split()[1]
    process.kill()
    sys.exit("first-serve: the server printed no token:\n" + "".join(output))


def wait_until_up(url: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/v2.1/status", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    sys.exit(f"first-serve: {url}/v2.1/status never answered")


def ubiops_call(http: httpx.Client, token: str) -> httpx.Response:
    return http.get("/v2.1/projects", headers={"Authorization": f"Token {token}"})


def alchemite_call(http: httpx.Client, token: str) -> httpx.Response:
    issued = http.post(
        "/v0/auth/realms/master/protocol/openid-connect/token",
        data={"grant_type": "client_credentials"},
        auth=("modelyard", token),
    )
    issued.raise_for_status()
    bearer = issued.json()["access_token"]
    return http.get("/v0/models", headers={"Authorization": f"Bearer {bearer}"})


def leia_call(http: httpx.Client, token: str) -> httpx.Response:
    login = http.get(f"/leia/1.0.0/login/{token}")
    login.raise_for_status()
    return http.get("/leia/1.0.0/whoami", headers={"token": login.json()["token"]})


def registry_call(http: httpx.Client, token: str) -> httpx.Response:
    bearer = {"Authorization": f"Bearer {token}"}
    created = http.post(
        "/api/models", json={"model_name": "first-serve", "model_url": "x"}, headers=bearer
    )
    created.raise_for_status()
    return http.get("/api/models/all", headers=bearer)


def lightly_call(http: httpx.Client, token: str) -> httpx.Response:
    return http.get("/v1/datasets", params={"token": token})


CALLS: dict[str, Callable[[httpx.Client, str], httpx.Response]] = {
    "ubiops": ubiops_call,
    "alchemite": alchemite_call,
    "leia": leia_call,
    "registry": registry_call,
    "lightly": lightly_call,
}


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="modelyard-first-serve-") as tmp:
        work = Path(tmp)
        step("building the wheel")
        wheel = build_wheel(work)
        step(f"installing {wheel.name} into a clean venv ({PYTHON}, no dev extras)")
        venv = clean_venv(work, wheel)
        port = free_port()
        step(f"starting modelyard serve on 127.0.0.1:{port}")
        process, token = start(venv, work, port)
        url = f"http://127.0.0.1:{port}"
        failures: list[str] = []
        try:
            wait_until_up(url)
            with httpx.Client(base_url=url, timeout=30) as http:
                for dialect, call in CALLS.items():
                    response = call(http, token)
                    step(
                        f"{dialect}: {response.request.method} {response.url.path} -> "
                        f"{response.status_code}"
                    )
                    if response.status_code != 200:
                        failures.append(f"{dialect}: {response.status_code} {response.text[:500]}")
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        if failures:
            sys.exit("first-serve: failed:\n" + "\n".join(failures))
        step("every dialect answered the printed token")


if __name__ == "__main__":
    main()
