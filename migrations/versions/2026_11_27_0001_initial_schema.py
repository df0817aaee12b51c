"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

import secrets
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "admin", "host", "moderator", "viewer", name="role", native_enum=False, length=16
            ),
            nullable=False,
        ),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    op.create_table(
        "events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=80), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column(
            "status",
            sa.Enum("live", "ended", name="event_status", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column(
            "question_mode",
            sa.Enum("auto", "all", "marked", name="question_mode", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("review", sa.Boolean(), nullable=False),
        sa.Column("acknowledge", sa.Boolean(), nullable=False),
        sa.Column("paid_boost", sa.Integer(), nullable=False),
        sa.Column("include_moderators", sa.Boolean(), nullable=False),
        sa.Column("planned_end_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
        sa.UniqueConstraint("slug", name=op.f("uq_events_slug")),
    )
    op.create_table(
        "instance_secrets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pseudonym_key", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_instance_secrets")),
    )
    op.create_table(
        "telegram_chats",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("title", sa.String(length=255), nullable=True),
        sa.Column("type", sa.String(length=20), nullable=False),
        sa.Column("is_forum", sa.Boolean(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_telegram_chats")),
    )
    op.create_table(
        "youtube_quota_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("units", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_youtube_quota_days")),
    )
    op.create_table(
        "audit_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_audit_entries_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_entries")),
    )
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.create_index("ix_audit_entries_event_id_id", ["event_id", "id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_audit_entries_question_id"), ["question_id"], unique=False
        )

    op.create_table(
        "chatter_counts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
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
        sa.Column("count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_chatter_counts_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chatter_counts")),
        sa.UniqueConstraint("event_id", "platform", name="uq_chatter_counts_key"),
    )
    op.create_table(
        "event_sources",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
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
        sa.Column("telegram_chat_id", sa.BigInteger(), nullable=True),
        sa.Column("telegram_thread_id", sa.BigInteger(), nullable=True),
        sa.Column("youtube_video_id", sa.String(length=32), nullable=True),
        sa.Column("youtube_live_chat_id", sa.String(length=200), nullable=True),
        sa.Column("youtube_page_token", sa.Text(), nullable=True),
        sa.Column(
            "state",
            sa.Enum(
                "waiting",
                "active",
                "ended",
                "stopped",
                name="source_state",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("state_reason", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_event_sources_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_sources")),
        sa.UniqueConstraint(
            "event_id",
            "platform",
            "telegram_chat_id",
            "telegram_thread_id",
            "youtube_video_id",
            name="uq_event_sources_identity",
        ),
    )
    with op.batch_alter_table("event_sources", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_event_sources_event_id"), ["event_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_event_sources_telegram_chat_id"), ["telegram_chat_id"], unique=False
        )

    op.create_table(
        "questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("match_key", sa.Text(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "open",
                "on_air",
                "answered",
                "dismissed",
                "hidden",
                name="question_status",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("pinned", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("ask_count", sa.Integer(), nullable=False),
        sa.Column("upvotes", sa.Integer(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("paid", sa.Boolean(), nullable=False),
        sa.Column("asked_again", sa.Integer(), nullable=False),
        sa.Column("first_asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_questions_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_questions")),
    )
    with op.batch_alter_table("questions", schema=None) as batch_op:
        batch_op.create_index("ix_questions_event_status", ["event_id", "status"], unique=False)
        batch_op.create_index(
            "ix_questions_event_updated", ["event_id", "updated_at"], unique=False
        )

    op.create_table(
        "asks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
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
        sa.Column("message_id", sa.String(length=200), nullable=False),
        sa.Column("author_key", sa.String(length=64), nullable=True),
        sa.Column("author_name", sa.String(length=200), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("source_label", sa.String(length=40), nullable=True),
        sa.Column("paid", sa.Boolean(), nullable=False),
        sa.Column("thread_id", sa.BigInteger(), nullable=True),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("edited_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_asks_event_id_events"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["questions.id"],
            name=op.f("fk_asks_question_id_questions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_asks")),
        sa.UniqueConstraint(
            "event_id", "platform", "source_id", "message_id", name="uq_asks_message"
        ),
    )
    with op.batch_alter_table("asks", schema=None) as batch_op:
        batch_op.create_index("ix_asks_event_author", ["event_id", "author_key"], unique=False)
        batch_op.create_index(batch_op.f("ix_asks_question_id"), ["question_id"], unique=False)

    op.create_table(
        "merge_blocks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("other_question_id", sa.Integer(), nullable=False),
        sa.Column("match_key", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_merge_blocks_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["other_question_id"],
            ["questions.id"],
            name=op.f("fk_merge_blocks_other_question_id_questions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["questions.id"],
            name=op.f("fk_merge_blocks_question_id_questions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_merge_blocks")),
        sa.UniqueConstraint("question_id", "other_question_id", name="uq_merge_blocks_pair"),
    )
    with op.batch_alter_table("merge_blocks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_merge_blocks_event_id"), ["event_id"], unique=False)

    op.create_table(
        "votes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("voter_key", sa.String(length=80), nullable=False),
        sa.Column("weight", sa.Integer(), nullable=False),
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
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["questions.id"],
            name=op.f("fk_votes_question_id_questions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_votes")),
        sa.UniqueConstraint("question_id", "voter_key", name="uq_votes_voter"),
    )
    # The key that turns platform user ids into author keys: made here, once per database.
    secrets_table = sa.table(
        "instance_secrets", sa.column("id", sa.Integer), sa.column("pseudonym_key", sa.String)
    )
    op.bulk_insert(secrets_table, [{"id": 1, "pseudonym_key": secrets.token_hex(32)}])


def downgrade() -> None:

    op.drop_table("votes")
    with op.batch_alter_table("merge_blocks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_merge_blocks_event_id"))

    op.drop_table("merge_blocks")
    with op.batch_alter_table("asks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_asks_question_id"))
        batch_op.drop_index("ix_asks_event_author")

    op.drop_table("asks")
    with op.batch_alter_table("questions", schema=None) as batch_op:
        batch_op.drop_index("ix_questions_event_updated")
        batch_op.drop_index("ix_questions_event_status")

    op.drop_table("questions")
    with op.batch_alter_table("event_sources", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_event_sources_telegram_chat_id"))
        batch_op.drop_index(batch_op.f("ix_event_sources_event_id"))

    op.drop_table("event_sources")
    op.drop_table("chatter_counts")
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_entries_question_id"))
        batch_op.drop_index("ix_audit_entries_event_id_id")

    op.drop_table("audit_entries")
    op.drop_table("youtube_quota_days")
    op.drop_table("telegram_chats")
    op.drop_table("instance_secrets")
    op.drop_table("events")
    op.drop_table("api_tokens")
