"""``modelyard db``: look at and move the schema version."""

from __future__ import annotations

from pathlib import Path

import typer

from modelyard.cli.common import DataDirOption, load_settings
from modelyard.db import migrate
from modelyard.db.engine import make_engine

app = typer.Typer(help="Manage the database schema.", no_args_is_help=True)


@app.command("upgrade")
def upgrade(revision: str = "head", data_dir: Path | None = DataDirOption) -> None:
    """Migrate up (to the newest schema by default)."""
    engine = make_engine(load_settings(data_dir).resolved_database_url)
    migrate.upgrade(engine, revision)
    typer.echo(f"database at {migrate.current_revision(engine)}")


@app.command("downgrade")
def downgrade(revision: str, data_dir: Path | None = DataDirOption) -> None:
    """Migrate down to ``revision`` (``base`` drops everything)."""
    engine = make_engine(load_settings(data_dir).resolved_database_url)
    migrate.downgrade(engine, revision)
    typer.echo(f"database at {migrate.current_revision(engine)}")


@app.command("current")
def current(data_dir: Path | None = DataDirOption) -> None:
    """Print the schema revision of the database and the newest one."""
    engine = make_engine(load_settings(data_dir).resolved_database_url)
    typer.echo(f"current {migrate.current_revision(engine)}, head {migrate.head_revision(engine)}")
