"""The request path without the network: modelyard's ASGI application called directly, to see
where a request's server CPU goes (the profile behind bench/README.md's "what is left").

It makes a fresh data directory (SQLite), deploys the no-op model through the application,
then for each of a direct request, a UbiOps version get and ``GET /v2.1/status`` reports the
server CPU per call (every thread of this process; the model instance is another process) and,
with ``--profile``, the event loop thread's cProfile, sorted by cumulative time.

    PYTHONPATH=src .venv/bin/python bench/inprocess.py
    PYTHONPATH=src .venv/bin/python bench/inprocess.py --profile --calls 2000
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import uvloop

sys.path.insert(0, str(Path(__file__).resolve().parent))

from deploy import package_zip

from modelyard.api.app import create_app
from modelyard.cli.common import unit_of_work
from modelyard.core.identity import service
from modelyard.db.engine import make_engine
from modelyard.db.migrate import upgrade
from modelyard.runtime.instance import AsyncInstance
from modelyard.settings import Settings

VERSION = "/v2.1/projects/default/models/noop/versions/v1"
Headers = list[tuple[bytes, bytes]]


async def call(app: Any, method: str, path: str, headers: Headers, body: bytes = b"") -> int:
    """One request through the ASGI app; its status."""
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
    }
    await app(scope, receive, send)
    return int(sent[0]["status"])


async def deploy(app: Any, token: str) -> None:
    """The no-op model, one warm instance, built and available."""
    base = "http://modelyard/v2.1/projects/default"
    headers = {"Authorization": f"Token {token}"}
    transport = httpx.ASGITransport(app)
    async with httpx.AsyncClient(transport=transport, base_url=base, headers=headers) as client:
        model = {"name": "noop", "input_type": "plain", "output_type": "plain"}
        (await client.post("/models", json=model)).raise_for_status()
        version = {"version": "v1", "minimum_instances": 1, "maximum_instances": 1}
        (await client.post("/models/noop/versions", json=version)).raise_for_status()
        package = {"file": ("package.zip", package_zip(), "application/zip")}
        (await client.put("/models/noop/versions/v1/upload", files=package)).raise_for_status()
        deadline = time.monotonic() + 300
        while (version := (await client.get("/models/noop/versions/v1")).json())[
            "status"
        ] != "available":
            if time.monotonic() > deadline:
                raise RuntimeError("the no-op model did not become available")
            if version["status"] == "failed":
                raise RuntimeError(f"the no-op model failed to build: {version['error_message']}")
            await asyncio.sleep(0.1)


async def measure(args: argparse.Namespace) -> None:
    settings = Settings(
        data_dir=Path(tempfile.mkdtemp(prefix="modelyard-inprocess-")), direct_lane=args.lane
    )
    settings.ensure_data_dir()
    upgrade(make_engine(settings.resolved_database_url))
    with unit_of_work(settings) as session:
        issued = service.bootstrap(session, admin_email=settings.admin_email)
    assert issued is not None
    app = create_app(settings)
    auth: Headers = [(b"authorization", f"Token {issued.token}".encode())]
    json_body: Headers = [*auth, (b"content-type", b"application/json"), (b"content-length", b"4")]
    plan = [
        ("direct request", "POST", f"{VERSION}/request", json_body, b'"hi"'),
        ("UbiOps version get", "GET", VERSION, auth, b""),
        ("GET /v2.1/status", "GET", "/v2.1/status", [], b""),
    ]
    async with app.router.lifespan_context(app):
        await deploy(app, issued.token)
        for name, method, path, headers, body in plan:
            for _ in range(300):  # warm: caches filled, instance up
                status = await call(app, method, path, headers, body)
            assert status == 200, (name, status)
            started, cpu, spun = time.perf_counter(), time.process_time(), AsyncInstance.spun
            for _ in range(args.calls):
                await call(app, method, path, headers, body)
            wall = (time.perf_counter() - started) / args.calls * 1e6
            used = (time.process_time() - cpu) / args.calls * 1e6
            spun = AsyncInstance.spun - spun
            by_spin = f"; {spun} of {args.calls} replies read by the spin" if spun else ""
            print(f"{name}: {used:.0f} µs of server CPU per call ({wall:.0f} µs wall{by_spin})")
            if args.profile:
                profile = cProfile.Profile()
                profile.enable()
                for _ in range(args.calls):
                    await call(app, method, path, headers, body)
                profile.disable()
                pstats.Stats(profile).sort_stats(args.sort).print_stats(args.lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=3000, help="calls measured per endpoint")
    parser.add_argument("--profile", action="store_true", help="then cProfile the event loop")
    parser.add_argument(
        "--lane",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="the direct request's own lane (MODELYARD_DIRECT_LANE)",
    )
    parser.add_argument("--lines", type=int, default=40, help="lines of each profile")
    parser.add_argument("--sort", default="cumulative", help="the profile's order (pstats keys)")
    uvloop.run(measure(parser.parse_args()))


if __name__ == "__main__":
    main()
