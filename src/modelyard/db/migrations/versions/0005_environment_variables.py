"""environment variables: project, model and version level, secrets sealed

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from modelyard.db.types import UTCDateTime

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "environment_variables",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("model_id", sa.Uuid(), nullable=True),
        sa.Column("version_id", sa.Uuid(), nullable=True),
        sa.Column("scope_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("secret", sa.Boolean(), nullable=False),
        sa.Column("creation_date", UTCDateTime(), nullable=False),
        sa.Column("last_updated", UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "scope_id = COALESCE(version_id, model_id, project_id)",
            name=op.f("ck_environment_variables_scope"),
        ),
        sa.CheckConstraint(
            "version_id IS NULL OR model_id IS NOT NULL",
            name=op.f("ck_environment_variables_version_has_model"),
        ),
        sa.ForeignKeyConstraint(
            ["model_id"],
            ["models.id"],
            name=op.f("fk_environment_variables_model_id_models"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_environment_variables_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["model_versions.id"],
            name=op.f("fk_environment_variables_version_id_model_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_environment_variables")),
        sa.UniqueConstraint("scope_id", "name", name=op.f("uq_environment_variables_scope_id")),
    )
    with op.batch_alter_table("environment_variables", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_environment_variables_model_id"), ["model_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_environment_variables_project_id"), ["project_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_environment_variables_version_id"), ["version_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("environment_variables", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_environment_variables_version_id"))
        batch_op.drop_index(batch_op.f("ix_environment_variables_project_id"))
        batch_op.drop_index(batch_op.f("ix_environment_variables_model_id"))

    op.drop_table("environment_variables")
