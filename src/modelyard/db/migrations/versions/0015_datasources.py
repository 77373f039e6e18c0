"""datasources: sample datasets (Lightly) and the external store each one reads from

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from modelyard.db.types import UTCDateTime

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sample_datasets",
        sa.Column("id", sa.String(length=24), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("img_type", sa.String(length=32), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("last_modified_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_sample_datasets_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sample_datasets")),
        sa.UniqueConstraint("project_id", "name", name=op.f("uq_sample_datasets_project_id")),
    )
    with op.batch_alter_table("sample_datasets", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sample_datasets_project_id"), ["project_id"], unique=False
        )
    op.create_table(
        "datasources",
        sa.Column("dataset_id", sa.String(length=24), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("full_path", sa.String(length=2048), nullable=False),
        sa.Column("thumb_suffix", sa.String(length=255), nullable=True),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("sealed", sa.Text(), nullable=True),
        sa.Column("processed_until", sa.BigInteger(), nullable=False),
        sa.Column("last_updated", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["dataset_id"],
            ["sample_datasets.id"],
            name=op.f("fk_datasources_dataset_id_sample_datasets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("dataset_id", name=op.f("pk_datasources")),
    )


def downgrade() -> None:
    op.drop_table("datasources")
    with op.batch_alter_table("sample_datasets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sample_datasets_project_id"))
    op.drop_table("sample_datasets")
