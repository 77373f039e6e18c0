"""organizations: subscription ids, hidden flag and request/version limits; subscription history

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from modelyard.db.types import UTCDateTime

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PLACEHOLDER = uuid.UUID(int=0)


def upgrade() -> None:
    op.create_table(
        "organization_subscriptions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("subscription", sa.String(length=64), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("agreement_user", sa.String(length=254), nullable=True),
        sa.Column("update_user", sa.String(length=254), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_organization_subscriptions_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organization_subscriptions")),
    )
    with op.batch_alter_table("organization_subscriptions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_organization_subscriptions_organization_id"),
            ["organization_id"],
            unique=False,
        )
    _add_subscription_columns()


def _add_subscription_columns() -> None:
    """Added in place (SQLite cannot rebuild a table others point at): the new NOT NULL columns
    start from a constant default, then every subscription gets its own id."""
    placeholder = PLACEHOLDER.hex if op.get_bind().dialect.name == "sqlite" else str(PLACEHOLDER)
    op.add_column(
        "subscriptions",
        sa.Column("id", sa.Uuid(), nullable=False, server_default=sa.text(f"'{placeholder}'")),
    )
    op.add_column(
        "subscriptions",
        sa.Column("hidden", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column("subscriptions", sa.Column("max_versions", sa.Integer(), nullable=True))
    op.add_column("subscriptions", sa.Column("max_requests_per_month", sa.Integer(), nullable=True))
    table = sa.table("subscriptions", sa.column("name", sa.String), sa.column("id", sa.Uuid))
    bind = op.get_bind()
    for name in bind.execute(sa.select(table.c.name)).scalars().all():
        bind.execute(table.update().where(table.c.name == name).values(id=uuid.uuid4()))
    op.create_index(op.f("ix_subscriptions_id"), "subscriptions", ["id"], unique=True)


def downgrade() -> None:
    op.drop_index(op.f("ix_subscriptions_id"), table_name="subscriptions")
    for column in ("max_requests_per_month", "max_versions", "hidden", "id"):
        op.drop_column("subscriptions", column)
    with op.batch_alter_table("organization_subscriptions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_organization_subscriptions_organization_id"))

    op.drop_table("organization_subscriptions")
