"""datasources: how many files a datasource holds and their bytes, counted in the background

``n_samples`` and ``size_in_bytes`` are what the last count found (``counted_at``); a count is
queued when the datasource is configured (``revision`` tells a count of old settings from one
of the current ones) and again once ``count_queued_at`` is old enough.

Revision ID: 0017
Revises: 0016
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from modelyard.db.types import UTCDateTime

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("datasources") as batch:
        batch.add_column(
            sa.Column("n_samples", sa.BigInteger(), nullable=False, server_default="0")
        )
        batch.add_column(
            sa.Column("size_in_bytes", sa.BigInteger(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("revision", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("counted_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("count_queued_at", UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("datasources") as batch:
        for column in ("count_queued_at", "counted_at", "revision", "size_in_bytes", "n_samples"):
            batch.drop_column(column)
