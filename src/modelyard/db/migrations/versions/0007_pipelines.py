"""pipelines: pipelines, their objects and the attachments between them; pipeline schedules

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from modelyard.db.types import UTCDateTime

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "pipelines",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("description", sa.String(length=200), nullable=True),
        sa.Column("input_type", sa.String(length=16), nullable=False),
        sa.Column("input_fields", sa.JSON(), nullable=False),
        sa.Column("creation_date", UTCDateTime(), nullable=False),
        sa.Column("last_updated", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_pipelines_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pipelines")),
        sa.UniqueConstraint("project_id", "name", name=op.f("uq_pipelines_project_id")),
    )
    with op.batch_alter_table("pipelines", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pipelines_project_id"), ["project_id"], unique=False)

    op.create_table(
        "pipeline_objects",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("pipeline_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("reference_type", sa.String(length=16), nullable=False),
        sa.Column("reference_name", sa.String(length=64), nullable=False),
        sa.Column("model_id", sa.Uuid(), nullable=True),
        sa.Column("version_id", sa.Uuid(), nullable=True),
        sa.Column("creation_date", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["model_id"],
            ["models.id"],
            name=op.f("fk_pipeline_objects_model_id_models"),
            deferrable=True,
            initially="DEFERRED",
        ),
        sa.ForeignKeyConstraint(
            ["pipeline_id"],
            ["pipelines.id"],
            name=op.f("fk_pipeline_objects_pipeline_id_pipelines"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["model_versions.id"],
            name=op.f("fk_pipeline_objects_version_id_model_versions"),
            deferrable=True,
            initially="DEFERRED",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pipeline_objects")),
        sa.UniqueConstraint("pipeline_id", "name", name=op.f("uq_pipeline_objects_pipeline_id")),
    )
    with op.batch_alter_table("pipeline_objects", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pipeline_objects_model_id"), ["model_id"])
        batch_op.create_index(batch_op.f("ix_pipeline_objects_pipeline_id"), ["pipeline_id"])
        batch_op.create_index(batch_op.f("ix_pipeline_objects_version_id"), ["version_id"])

    op.create_table(
        "pipeline_attachments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("pipeline_id", sa.Uuid(), nullable=False),
        sa.Column("source_id", sa.Uuid(), nullable=True),
        sa.Column("destination_id", sa.Uuid(), nullable=False),
        sa.Column("mapping", sa.JSON(), nullable=False),
        sa.Column("creation_date", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["destination_id"],
            ["pipeline_objects.id"],
            name=op.f("fk_pipeline_attachments_destination_id_pipeline_objects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["pipeline_id"],
            ["pipelines.id"],
            name=op.f("fk_pipeline_attachments_pipeline_id_pipelines"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["pipeline_objects.id"],
            name=op.f("fk_pipeline_attachments_source_id_pipeline_objects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pipeline_attachments")),
        sa.UniqueConstraint(
            "pipeline_id",
            "source_id",
            "destination_id",
            name=op.f("uq_pipeline_attachments_pipeline_id"),
        ),
    )
    with op.batch_alter_table("pipeline_attachments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_pipeline_attachments_destination_id"), ["destination_id"]
        )
        batch_op.create_index(batch_op.f("ix_pipeline_attachments_pipeline_id"), ["pipeline_id"])
        batch_op.create_index(batch_op.f("ix_pipeline_attachments_source_id"), ["source_id"])

    with op.batch_alter_table("schedules", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pipeline_id", sa.Uuid(), nullable=True))
        batch_op.create_index(batch_op.f("ix_schedules_pipeline_id"), ["pipeline_id"])
        batch_op.create_foreign_key(
            batch_op.f("fk_schedules_pipeline_id_pipelines"),
            "pipelines",
            ["pipeline_id"],
            ["id"],
            ondelete="CASCADE",
        )


def downgrade() -> None:
    with op.batch_alter_table("schedules", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_schedules_pipeline_id_pipelines"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_schedules_pipeline_id"))
        batch_op.drop_column("pipeline_id")

    with op.batch_alter_table("pipeline_attachments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pipeline_attachments_source_id"))
        batch_op.drop_index(batch_op.f("ix_pipeline_attachments_pipeline_id"))
        batch_op.drop_index(batch_op.f("ix_pipeline_attachments_destination_id"))
    op.drop_table("pipeline_attachments")

    with op.batch_alter_table("pipeline_objects", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pipeline_objects_version_id"))
        batch_op.drop_index(batch_op.f("ix_pipeline_objects_pipeline_id"))
        batch_op.drop_index(batch_op.f("ix_pipeline_objects_model_id"))
    op.drop_table("pipeline_objects")

    with op.batch_alter_table("pipelines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pipelines_project_id"))
    op.drop_table("pipelines")
