"""suggestions pending

A question whose suggestions a collector finds after its batch commits is marked until they are
found, so that a process killed in between leaves work a restart finds, not questions that
never get their marks.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "questions",
        sa.Column("suggest_pending", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    # A plain DROP COLUMN (SQLite 3.35+): a batch copy of the table would lose the queue-order
    # index on expressions.
    op.drop_column("questions", "suggest_pending")
