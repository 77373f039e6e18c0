"""What every CLI command shares: settings from the environment and flags, a migrated database."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from sqlalchemy.orm import Session

from modelyard.db import migrate
from modelyard.db.engine import make_engine, make_session_factory, transaction
from modelyard.errors import DomainError
from modelyard.settings import Settings


def load_settings(data_dir: Path | None = None) -> Settings:
    """Settings from ``MODELYARD_*``, with ``--data-dir`` taking precedence."""
    settings = Settings() if data_dir is None else Settings(data_dir=data_dir)
    settings.ensure_data_dir()
    return settings


def migrated(settings: Settings) -> None:
    """Bring the database to the newest schema."""
    engine = make_engine(settings.resolved_database_url)
    try:
        migrate.upgrade(engine)
    finally:
        engine.dispose()


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
