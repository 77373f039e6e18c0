"""tracking: registered models, experiments, seasons, sites, datasets, runs and records (the
Models registry at /api/models)

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from modelyard.db.types import UTCDateTime

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _project_fk(table: str) -> sa.Column[Any]:
    return sa.Column(
        "project_id",
        sa.Uuid(),
        sa.ForeignKey("projects.id", name=f"fk_{table}_project_id_projects", ondelete="CASCADE"),
        nullable=False,
    )


def _named(table: str, name_column: str, *extra: sa.Column[Any]) -> None:
    """A project-scoped table of named things (experiments, seasons, sites, datasets)."""
    op.create_table(
        table,
        sa.Column("id", sa.Uuid(), nullable=False),
        _project_fk(table),
        sa.Column(name_column, sa.String(255), nullable=False),
        *extra,
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=f"pk_{table}"),
        sa.UniqueConstraint("project_id", name_column, name=f"uq_{table}_name"),
    )
    op.create_index(f"ix_{table}_project_id", table, ["project_id"])


def _fk(column: str, table: str, target: str, *, nullable: bool = False) -> sa.Column[Any]:
    name = f"fk_{table}_{column}_{target}"
    if len(name) > 63:  # PostgreSQL's identifier limit; the row names it the same way
        name = f"fk_{table}_{column}"
    return sa.Column(
        column,
        sa.Uuid(),
        sa.ForeignKey(f"{target}.id", name=name, ondelete="CASCADE"),
        nullable=nullable,
    )


def upgrade() -> None:
    op.create_table(
        "tracking_models",
        sa.Column("id", sa.Uuid(), nullable=False),
        _project_fk("tracking_models"),
        sa.Column("model_name", sa.String(255), nullable=False),
        sa.Column("model_url", sa.String(1024), nullable=False),
        sa.Column("model_info", sa.JSON(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_tracking_models"),
        sa.UniqueConstraint(
            "project_id", "model_name", "model_url", name="uq_tracking_models_name"
        ),
    )
    op.create_index("ix_tracking_models_project_id", "tracking_models", ["project_id"])
    _named(
        "tracking_experiments",
        "experiment_name",
        sa.Column("experiment_info", sa.JSON(), nullable=True),
        sa.Column("experiment_start_date", sa.Date(), nullable=True),
        sa.Column("experiment_end_date", sa.Date(), nullable=True),
    )
    _named("tracking_seasons", "season_name")
    _named("tracking_sites", "site_name")
    _named(
        "tracking_datasets",
        "dataset_name",
        sa.Column("dataset_info", sa.JSON(), nullable=True),
        sa.Column("collection_date", sa.Date(), nullable=True),
    )
    for table, other, target in (
        ("tracking_model_experiments", "experiment_id", "tracking_experiments"),
        ("tracking_model_datasets", "dataset_id", "tracking_datasets"),
    ):
        op.create_table(
            table,
            _fk("model_id", table, "tracking_models"),
            _fk(other, table, target),
            sa.PrimaryKeyConstraint("model_id", other, name=f"pk_{table}"),
        )
    op.create_table(
        "tracking_runs",
        sa.Column("id", sa.Uuid(), nullable=False),
        _fk("model_id", "tracking_runs", "tracking_models"),
        sa.Column("model_run_info", sa.JSON(), nullable=True),
        sa.Column("info_key", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_tracking_runs"),
        sa.UniqueConstraint("model_id", "info_key", name="uq_tracking_runs_info"),
    )
    op.create_index("ix_tracking_runs_model_id", "tracking_runs", ["model_id"])
    _create_records()


def _create_records() -> None:
    table = "tracking_records"
    op.create_table(
        table,
        sa.Column("id", sa.Uuid(), nullable=False),
        _fk("model_id", table, "tracking_models"),
        _fk("dataset_id", table, "tracking_datasets"),
        _fk("experiment_id", table, "tracking_experiments", nullable=True),
        _fk("season_id", table, "tracking_seasons", nullable=True),
        _fk("site_id", table, "tracking_sites", nullable=True),
        sa.Column("timestamp", UTCDateTime(), nullable=False),
        sa.Column("collection_date", sa.Date(), nullable=False),
        sa.Column("model_data", sa.JSON(), nullable=True),
        sa.Column("record_info", sa.JSON(), nullable=True),
        sa.Column("record_file", sa.String(512), nullable=True),
        sa.Column("file_name", sa.String(256), nullable=True),
        sa.Column("file_type", sa.String(128), nullable=True),
        sa.Column("natural_key", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=f"pk_{table}"),
        sa.UniqueConstraint("model_id", "natural_key", name="uq_tracking_records_natural_key"),
    )
    op.create_index("ix_tracking_records_model_time", table, ["model_id", "timestamp", "id"])
    for column in ("dataset_id", "experiment_id", "season_id", "site_id"):
        op.create_index(f"ix_{table}_{column}", table, [column])


def downgrade() -> None:
    for table in (
        "tracking_records",
        "tracking_runs",
        "tracking_model_datasets",
        "tracking_model_experiments",
        "tracking_datasets",
        "tracking_sites",
        "tracking_seasons",
        "tracking_experiments",
        "tracking_models",
    ):
        op.drop_table(table)
