"""``modelyard serve``: migrate, create the first administrator if needed, and serve the API."""

from __future__ import annotations

import gc
import sys
from importlib.util import find_spec
from pathlib import Path

import typer
import uvicorn

from modelyard.cli.common import DataDirOption, load_settings, unit_of_work
from modelyard.core.cluster import service as cluster
from modelyard.core.identity import service
from modelyard.core.serving.sandboxing import code_policy
from modelyard.db.outage import install_server_logging
from modelyard.web import create_server

SWITCH_INTERVAL = 0.001
"""Seconds a thread may hold the GIL while another waits for it (Python's default: 0.005)."""


def serve(
    host: str = typer.Option("127.0.0.1", help="address to listen on"),
    port: int = typer.Option(8000, help="port to listen on"),
    data_dir: Path | None = DataDirOption,
) -> None:
    """Run the modelyard server.

    What exists once the server is built (modules, the application, the caches' tables) lives
    as long as the process, so it is frozen out of the garbage collector's generations: a full
    collection then walks only what requests made. Measured (wrk, c=1, direct requests): p99
    4-7 ms with the freeze, 37-45 ms in four runs of six without it (the collection's pause).

    The event loop shares the GIL with the server's background threads (metrics and audit
    writers, the job worker's database rounds): a thread at work keeps it for up to the switch
    interval while the loop waits, 5 ms by default. At 1 ms (``SWITCH_INTERVAL``) the p99 of a
    direct request at c=1 went from 8.4-8.6 ms to 2.5-3.1 ms, and at c=32 from 45-66 ms to
    29-33 ms, with the same throughput; 0.5 ms gave 1.9-2.1 ms but cost 6-7% of it."""
    install_server_logging()
    settings = load_settings(data_dir)
    with unit_of_work(settings) as session:
        cluster.check_settings(settings)  # celery mode says what it lacks before anything runs
        issued = service.bootstrap(session, admin_email=settings.admin_email)
    if issued is not None:
        typer.echo(f"Created administrator {issued.user_email}. Its API token, shown only once:")
        typer.echo(f"Token {issued.token}")
        typer.echo(
            "Use it as ubiops.Configuration(host=..., api_key={'Authorization': 'Token <token>'})."
        )
    typer.echo(code_policy(settings).startup_line())
    loop, http = event_loop()
    typer.echo(
        f"modelyard serving http://{host}:{port}/v2.1 (data in {settings.data_dir}; "
        f"event loop {loop}, HTTP parser {http})"
    )
    app = create_server(settings)
    gc.freeze()
    sys.setswitchinterval(SWITCH_INTERVAL)
    uvicorn.run(app, host=host, port=port, log_level="warning", loop=loop, http=http)


def event_loop() -> tuple[str, str]:
    """uvloop and httptools, which ``uvicorn[standard]`` brings, where they are installed (not
    on every platform); else asyncio's own loop and the pure-Python h11."""
    loop = "uvloop" if find_spec("uvloop") else "asyncio"
    http = "httptools" if find_spec("httptools") else "h11"
    return loop, http
