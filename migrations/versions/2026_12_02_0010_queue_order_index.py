"""queue order index

The host's order (on air, pinned, score, first asked, id) as an index on those expressions, so
the top of a large event is read in order instead of sorted on every read of the queue.

Revision ID: 0010
Revises: 0007
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_questions_queue_order",
        "questions",
        [
            "event_id",
            sa.text("(CASE WHEN (status = 'on_air') THEN 0 ELSE 1 END)"),
            sa.text("(CASE WHEN pinned THEN 0 ELSE 1 END)"),
            sa.text("score DESC"),
            "first_asked_at",
            "id",
        ],
    )


def downgrade() -> None:
    op.drop_index("ix_questions_queue_order", table_name="questions")
