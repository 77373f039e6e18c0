"""observe: log tags for pipelines and connectors, metric buckets, the audit log

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from modelyard.db.types import UTCDateTime

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("date", UTCDateTime(), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("actor_email", sa.String(length=254), nullable=True),
        sa.Column("method", sa.String(length=8), nullable=False),
        sa.Column("path", sa.String(length=1024), nullable=False),
        sa.Column("resource_type", sa.String(length=64), nullable=True),
        sa.Column("resource_name", sa.String(length=256), nullable=True),
        sa.Column("project_name", sa.String(length=64), nullable=True),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_log_date"), ["date"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_audit_log_project_name"), ["project_name"], unique=False
        )

    op.create_table(
        "metrics",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=True),
        sa.Column("object_type", sa.String(length=32), nullable=False),
        sa.Column("object_id", sa.Uuid(), nullable=True),
        sa.Column("object_name", sa.String(length=64), nullable=True),
        sa.Column("metric", sa.String(length=32), nullable=False),
        sa.Column("bucket", UTCDateTime(), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_metrics_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_metrics_project_id_projects"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_metrics")),
    )
    with op.batch_alter_table("metrics", schema=None) as batch_op:
        batch_op.create_index(
            "ix_metrics_organization_metric_bucket",
            ["organization_id", "metric", "bucket"],
            unique=False,
        )
        batch_op.create_index(
            "ix_metrics_project_metric_bucket", ["project_id", "metric", "bucket"], unique=False
        )

    with op.batch_alter_table("logs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("connector_name", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("pipeline_name", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("pipeline_object_name", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("pipeline_request_id", sa.String(length=64), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_logs_pipeline_request_id"), ["pipeline_request_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("logs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_logs_pipeline_request_id"))
        batch_op.drop_column("pipeline_request_id")
        batch_op.drop_column("pipeline_object_name")
        batch_op.drop_column("pipeline_name")
        batch_op.drop_column("connector_name")

    with op.batch_alter_table("metrics", schema=None) as batch_op:
        batch_op.drop_index("ix_metrics_project_metric_bucket")
        batch_op.drop_index("ix_metrics_organization_metric_bucket")

    op.drop_table("metrics")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_log_project_name"))
        batch_op.drop_index(batch_op.f("ix_audit_log_date"))

    op.drop_table("audit_log")
