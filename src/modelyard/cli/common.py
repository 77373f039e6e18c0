"""What every CLI command shares: settings from the environment and flags, a migrated database."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from sqlalchemy import Engine
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session

from modelyard.db import migrate
from modelyard.db.engine import make_engine, make_session_factory, transaction
from modelyard.db.outage import outage_reason
from modelyard.errors import DomainError
from modelyard.settings import Settings


def load_settings(data_dir: Path | None = None) -> Settings:
    """Settings from ``MODELYARD_*``, with ``--data-dir`` taking precedence."""
    settings = Settings() if data_dir is None else Settings(data_dir=data_dir)
    settings.ensure_data_dir()
    return settings


def migrated(settings: Settings) -> None:
    """Bring the database to the newest schema; an unreachable database ends the command with
    one paragraph saying which database and why, and exit code 3."""
    engine = make_engine(settings.resolved_database_url)
    try:
        migrate.upgrade(engine)
    except (OperationalError, InterfaceError) as exc:
        typer.secho(unreachable(engine, exc), fg=typer.colors.RED, err=True)
        raise typer.Exit(code=3) from None
    finally:
        engine.dispose()


def unreachable(engine: Engine, error: Exception) -> str:
    """What to tell an operator whose database cannot be reached."""
    reason = outage_reason(error)
    where = engine.url.render_as_string(hide_password=True)
    return (
        f"error: cannot reach the database at {where}: {reason}. Check that it is running and "
        "that MODELYARD_DATABASE_URL names it (host, port, database, user); modelyard creates "
        "its tables itself once it can connect."
    )


@contextmanager
def unit_of_work(settings: Settings) -> Iterator[Session]:
    """One transaction on a migrated database; domain errors end the command with a message."""
    migrated(settings)
    engine = make_engine(settings.resolved_database_url)
    try:
        with transaction(make_session_factory(engine)) as session:
            yield session
    except DomainError as exc:
        typer.secho(f"error: {exc.message}", fg=typer.colors.RED, err=True)
        raise typer.Exit(code=2) from exc
    finally:
        engine.dispose()


DataDirOption = typer.Option(None, "--data-dir", help="data directory (default ./.modelyard)")
