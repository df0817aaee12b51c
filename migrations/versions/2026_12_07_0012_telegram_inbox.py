"""telegram inbox

Updates fetched from Telegram are kept here before the next getUpdates confirms them, and
deleted by the transaction that stores them, so that fetching the next batch no longer waits
for this one to be stored; a bot's next offset is kept beside them, so that a restart resumes
after what the inbox holds.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "telegram_inbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bot_id", sa.BigInteger(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updates", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_telegram_inbox")),
    )
    op.create_table(
        "telegram_offsets",
        sa.Column("bot_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("next_offset", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("bot_id", name=op.f("pk_telegram_offsets")),
    )


def downgrade() -> None:
    op.drop_table("telegram_offsets")
    op.drop_table("telegram_inbox")
