"""email and submissions

Questions sent before the event: an event's sources may name an IMAP mailbox (with a subject
tag and a folder for taken mail) or open the public submission page (with the host's text and
a closing time). Every source counts what it took, its errors and when it last read. Each
mailbox's read position (UIDVALIDITY and last UID) is kept once, however many events read it.

Revision ID: 0007
Revises: 0009
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("event_sources", schema=None) as batch_op:
        batch_op.add_column(sa.Column("email_mailbox", sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column("email_subject_tag", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("email_move_to", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("web_note", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("web_closes_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("taken", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("errors", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("last_read_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_event_sources_email_mailbox"), ["email_mailbox"], unique=False
        )
    op.create_table(
        "email_cursors",
        sa.Column("mailbox", sa.String(length=300), nullable=False),
        sa.Column("uidvalidity", sa.BigInteger(), nullable=False),
        sa.Column("last_uid", sa.BigInteger(), nullable=False),
        sa.Column("messages", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("mailbox", name=op.f("pk_email_cursors")),
    )


def downgrade() -> None:
    op.drop_table("email_cursors")
    with op.batch_alter_table("event_sources", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_event_sources_email_mailbox"))
        for column in (
            "last_read_at",
            "errors",
            "taken",
            "web_closes_at",
            "web_note",
            "email_move_to",
            "email_subject_tag",
            "email_mailbox",
        ):
            batch_op.drop_column(column)
