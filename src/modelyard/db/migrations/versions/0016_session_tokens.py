"""api_tokens.session: session tokens (dialect logins) told apart from API tokens

Leia's ``token`` header takes only session tokens, and a Leia login token never expires, so
``expires_at`` alone cannot tell them apart. Existing logins are marked from what they were
issued with.

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch:
        batch.add_column(
            sa.Column("session", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.execute(
        "UPDATE api_tokens SET session = TRUE "
        "WHERE expires_at IS NOT NULL OR description = 'leia login'"
    )


def downgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_column("session")
