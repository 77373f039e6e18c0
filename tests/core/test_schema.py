"""The migration stream and the ORM rows describe the same schema, and it round-trips."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect

from modelyard.db import migrate
from modelyard.db.tables import Base


class TestMigrations:
    def test_orm_rows_match_the_migrated_schema(self, engine: Engine) -> None:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, Base.metadata)
        assert differences == []

    def test_database_is_at_head(self, engine: Engine) -> None:
        assert migrate.current_revision(engine) == migrate.head_revision(engine)

    def test_downgrade_to_base_and_upgrade_round_trips(self, engine: Engine) -> None:
        migrate.downgrade(engine, "base")
        remaining = set(inspect(engine).get_table_names()) - {"alembic_version"}
        assert remaining == set()
        migrate.upgrade(engine)
        assert set(inspect(engine).get_table_names()) >= set(Base.metadata.tables)
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []

    def test_subscriptions_exist_from_the_start(self, engine: Engine) -> None:
        with engine.connect() as connection:
            rows = connection.exec_driver_sql("SELECT name FROM subscriptions").scalars().all()
        assert set(rows) == {"free", "professional", "enterprise"}
