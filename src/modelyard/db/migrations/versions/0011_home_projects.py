"""home projects and session tokens: the project a user acts in through the dialects without a
project in the path; tokens that expire (Alchemite access tokens, Leia login tokens)

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from modelyard.db.types import UTCDateTime

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("default_project_id", sa.Uuid(), nullable=True))
        batch.create_foreign_key(
            "fk_users_default_project_id_projects",
            "projects",
            ["default_project_id"],
            ["id"],
            ondelete="SET NULL",
        )
    with op.batch_alter_table("api_tokens") as batch:
        batch.add_column(sa.Column("expires_at", UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_column("expires_at")
    with op.batch_alter_table("users") as batch:
        batch.drop_constraint("fk_users_default_project_id_projects", type_="foreignkey")
        batch.drop_column("default_project_id")
