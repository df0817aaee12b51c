"""set-aside messages

A message a collector cannot store after a retry is set aside (its source moves on); this
table keeps where it came from and why, never its text, for the event's sources page.

Revision ID: 0009
Revises: 0004
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "set_aside_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "platform",
            sa.Enum(
                "telegram",
                "youtube",
                "manual",
                "email",
                "web",
                name="platform",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("source_id", sa.String(length=200), nullable=False),
        sa.Column("message_ref", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_set_aside_messages")),
    )
    with op.batch_alter_table("set_aside_messages", schema=None) as batch_op:
        batch_op.create_index(
            "ix_set_aside_messages_source", ["platform", "source_id", "at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("set_aside_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_set_aside_messages_source")
    op.drop_table("set_aside_messages")
