"""Alembic environment: runs against the engine modelyard hands over, online only."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine, create_engine

from modelyard.db.tables import Base

config = context.config
target_metadata = Base.metadata


def _engine() -> Engine:
    engine = config.attributes.get("engine")
    if isinstance(engine, Engine):
        return engine
    return create_engine(config.get_main_option("sqlalchemy.url") or "")


def run_migrations_online() -> None:
    """Migrate inside one transaction; batch mode lets SQLite alter tables."""
    engine = _engine()
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=engine.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run_migrations_online()
