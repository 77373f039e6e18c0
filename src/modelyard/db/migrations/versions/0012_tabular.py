"""tabular: datasets uploaded whole or in chunks, and the models trained on them (Alchemite)

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from modelyard.db.types import UTCDateTime

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "tabular_models",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=256), nullable=False),
        sa.Column("training_method", sa.String(length=32), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("training_dataset_id", sa.Uuid(), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("training_column_headers", sa.JSON(), nullable=True),
        sa.Column("estimator_key", sa.String(length=512), nullable=True),
        sa.Column("training_start_time", UTCDateTime(), nullable=True),
        sa.Column("training_completion_time", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_tabular_models_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tabular_models")),
    )
    with op.batch_alter_table("tabular_models", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_tabular_models_project_id"), ["project_id"], unique=False
        )

    op.create_table(
        "tabular_datasets",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("model_id", sa.Uuid(), nullable=True),
        sa.Column("name", sa.String(length=256), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("row_count", sa.BigInteger(), nullable=False),
        sa.Column("column_headers", sa.JSON(), nullable=False),
        sa.Column("descriptor_columns", sa.JSON(), nullable=False),
        sa.Column("complete_columns", sa.JSON(), nullable=True),
        sa.Column("extras", sa.JSON(), nullable=False),
        sa.Column("storage_key", sa.String(length=512), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["model_id"],
            ["tabular_models.id"],
            name=op.f("fk_tabular_datasets_model_id_tabular_models"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_tabular_datasets_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tabular_datasets")),
    )
    with op.batch_alter_table("tabular_datasets", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_tabular_datasets_model_id"), ["model_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_tabular_datasets_project_id"), ["project_id"], unique=False
        )

    op.create_table(
        "tabular_chunks",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("dataset_id", sa.Uuid(), nullable=False),
        sa.Column("chunk_number", sa.Integer(), nullable=False),
        sa.Column("row_count", sa.BigInteger(), nullable=False),
        sa.Column("column_headers", sa.JSON(), nullable=False),
        sa.Column("text_columns", sa.JSON(), nullable=False),
        sa.Column("storage_key", sa.String(length=512), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["dataset_id"],
            ["tabular_datasets.id"],
            name=op.f("fk_tabular_chunks_dataset_id_tabular_datasets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tabular_chunks")),
        sa.UniqueConstraint(
            "dataset_id", "chunk_number", name=op.f("uq_tabular_chunks_dataset_id")
        ),
    )
    with op.batch_alter_table("tabular_chunks", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_tabular_chunks_dataset_id"), ["dataset_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("tabular_chunks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tabular_chunks_dataset_id"))
    op.drop_table("tabular_chunks")
    with op.batch_alter_table("tabular_datasets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tabular_datasets_project_id"))
        batch_op.drop_index(batch_op.f("ix_tabular_datasets_model_id"))
    op.drop_table("tabular_datasets")
    with op.batch_alter_table("tabular_models", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tabular_models_project_id"))
    op.drop_table("tabular_models")
