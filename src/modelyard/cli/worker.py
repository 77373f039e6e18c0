"""``modelyard worker``: run this machine's share of a celery-mode cluster.

``modelyard worker`` heartbeats and keeps one instance process per placement the controller
gave this machine; ``modelyard worker instance <placement>`` is one such process (the worker
starts them; an operator never needs to). Both need the settings every machine of the cluster
shares: PostgreSQL, the s3:// artifact store, the broker and the secret key.
"""

from __future__ import annotations

import logging
import signal
import uuid
from pathlib import Path
from types import FrameType

import typer

from modelyard.cli.common import DataDirOption, load_settings, migrated
from modelyard.core.cluster import service as cluster
from modelyard.core.cluster.agent import Agent, instance_command
from modelyard.core.cluster.instance import run_instance
from modelyard.db.engine import make_engine, make_session_factory
from modelyard.errors import DomainError
from modelyard.settings import Settings
from modelyard.storage import open_store

app = typer.Typer(
    help="Run model instances of a celery-mode cluster on this machine.",
    invoke_without_command=True,
)


@app.callback()
def worker(ctx: typer.Context, data_dir: Path | None = DataDirOption) -> None:
    """Heartbeat, and run the instances the controller places on this machine."""
    if ctx.invoked_subcommand is not None:
        return
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    settings = _cluster_settings(data_dir)
    migrated(settings)
    sessions = make_session_factory(make_engine(settings.resolved_database_url))
    agent = Agent(
        sessions,
        instance_command(settings.data_dir),
        heartbeat_seconds=settings.worker_heartbeat_seconds,
    )

    def stop(signum: int, _: FrameType | None) -> None:
        agent.stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    typer.echo(f"modelyard worker {agent.id} on {agent.name} (data in {settings.data_dir})")
    agent.run()


@app.command("instance", hidden=True)
def instance(placement: str, data_dir: Path | None = DataDirOption) -> None:
    """One instance process: a Celery worker on the placement's version queue."""
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(message)s")
    settings = _cluster_settings(data_dir)
    sessions = make_session_factory(make_engine(settings.resolved_database_url))
    try:
        run_instance(
            settings, sessions, open_store(settings.resolved_storage_url), uuid.UUID(placement)
        )
    except DomainError as exc:
        typer.secho(f"error: {exc.message}", fg=typer.colors.RED, err=True)
        raise typer.Exit(code=2) from exc


def _cluster_settings(data_dir: Path | None) -> Settings:
    settings = load_settings(data_dir)
    if settings.executor != "celery":
        settings = settings.model_copy(update={"executor": "celery"})
    try:
        cluster.check_settings(settings)
    except DomainError as exc:
        typer.secho(f"error: {exc.message}", fg=typer.colors.RED, err=True)
        raise typer.Exit(code=2) from exc
    return settings
