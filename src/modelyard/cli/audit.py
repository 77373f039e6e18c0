"""``modelyard audit``: read the audit log (UbiOps has no endpoint for it)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import typer

from modelyard.cli.common import DataDirOption, load_settings, unit_of_work
from modelyard.core.observe import audit
from modelyard.core.observe.rules import parse_datetime

app = typer.Typer(help="Read the audit log of creates, updates and deletes.", no_args_is_help=True)


@app.command("list")
def list_(
    project: str | None = typer.Option(None, help="only changes in this project"),
    user: str | None = typer.Option(None, help="only changes by this email"),
    since: str | None = typer.Option(None, help="only changes from this ISO 8601 time on"),
    limit: int = typer.Option(100, help="at most this many entries, newest first"),
    data_dir: Path | None = DataDirOption,
) -> None:
    """List who changed what, newest first (never bodies or secrets)."""
    with unit_of_work(load_settings(data_dir)) as session:
        start: datetime | None = parse_datetime(since, field="since") if since else None
        entries = audit.list_entries(
            session, project_name=project, actor_email=user, since=start, limit=limit
        )
    for entry in entries:
        who = entry.actor_email or "unknown"
        typer.echo(f"{entry.date:%Y-%m-%dT%H:%M:%SZ}  {who}  {entry.method} {entry.path}")
