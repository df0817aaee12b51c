"""Questions (what the host sees), the asks merged into them, and votes."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    case,
    literal_column,
)
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base
from models.event import Platform, _enum

if TYPE_CHECKING:
    from models.event import Event
    from models.suggestion import Suggestion

MAX_TEXT = 4096


class QuestionStatus(enum.StrEnum):
    pending = "pending"
    open = "open"
    on_air = "on_air"
    answered = "answered"
    dismissed = "dismissed"
    hidden = "hidden"


class Question(Base):
    __tablename__ = "questions"
    __table_args__ = (
        Index("ix_questions_event_status", "event_id", "status"),
        Index("ix_questions_event_updated", "event_id", "updated_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)
    # The normalized text the matcher compares; display always uses `text`.
    match_key: Mapped[str] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(8))
    status: Mapped[QuestionStatus] = mapped_column(_enum(QuestionStatus, "question_status"))
    pinned: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str | None] = mapped_column(Text)
    ask_count: Mapped[int] = mapped_column(Integer, default=0)
    upvotes: Mapped[int] = mapped_column(Integer, default=0)
    # ask_count + upvotes (+ the event's paid boost): kept in the row so ordering is an index scan.
    score: Mapped[int] = mapped_column(Integer, default=0)
    paid: Mapped[bool] = mapped_column(Boolean, default=False)
    # Asks that arrived after the question was answered ("asked again").
    asked_again: Mapped[int] = mapped_column(Integer, default=0)
    first_asked_at: Mapped[datetime]
    last_asked_at: Mapped[datetime]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    # Bumped by every change: clients send it back so a stale edit is refused, not silent.
    version: Mapped[int] = mapped_column(Integer, default=1)
    # Its suggestions are still to be found (a collector's batch finds them after its commit,
    # intake/suggest_later.py): whoever finds them clears it; a restart finds what a killed
    # process left.
    suggest_pending: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())

    event: Mapped[Event] = relationship(back_populates="questions", lazy="raise")
    asks: Mapped[list[Ask]] = relationship(
        back_populates="question", lazy="raise", order_by="[Ask.asked_at, Ask.id]"
    )
    # Its open suggestions to merge into an earlier question, best first. Loaded with every
    # question (one query per load), so no view of a question can forget its row's mark.
    suggestions: Mapped[list[Suggestion]] = relationship(
        primaryjoin="and_(Suggestion.question_id == Question.id, Suggestion.status == 'open')",
        order_by="[Suggestion.rank.desc(), Suggestion.id]",
        viewonly=True,
        lazy="selectin",
    )


# The host's order puts the question on air first, then the pinned ones. Written with their
# constants in the SQL, not bound, so that the queue-order index serves the ORDER BY (SQLite and
# PostgreSQL match an index on an expression only to the same expression, parameters excluded):
# the top of an event of 10,000 questions is read in order instead of sorted on every read.
ON_AIR_RANK = case(
    (Question.status == literal_column("'on_air'"), literal_column("0")),
    else_=literal_column("1"),
)
PINNED_RANK = case((Question.pinned, literal_column("0")), else_=literal_column("1"))
Index(
    "ix_questions_queue_order",
    Question.event_id,
    ON_AIR_RANK,
    PINNED_RANK,
    Question.score.desc(),
    Question.first_asked_at,
    Question.id,
)


class Ask(Base):
    """One incoming message that carries a question."""

    __tablename__ = "asks"
    __table_args__ = (
        UniqueConstraint("event_id", "platform", "source_id", "message_id", name="uq_asks_message"),
        Index("ix_asks_event_author", "event_id", "author_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(
        ForeignKey("questions.id", ondelete="CASCADE"), index=True
    )
    platform: Mapped[Platform] = mapped_column(_enum(Platform, "platform"))
    source_id: Mapped[str] = mapped_column(String(200))
    message_id: Mapped[str] = mapped_column(String(200))
    # A keyed hash of the platform user id: enough to count distinct askers and honour bans,
    # useless for finding the person. The display name is kept apart so a purge can drop it.
    author_key: Mapped[str | None] = mapped_column(String(64))
    author_name: Mapped[str | None] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    source_label: Mapped[str | None] = mapped_column(String(40))
    paid: Mapped[bool] = mapped_column(Boolean, default=False)
    # Telegram: the topic the message was in; also the message it replied to (for "+1" replies).
    thread_id: Mapped[int | None] = mapped_column(BigInteger)
    asked_at: Mapped[datetime]
    received_at: Mapped[datetime]
    edited_at: Mapped[datetime | None]

    question: Mapped[Question] = relationship(back_populates="asks", lazy="raise")


class Vote(Base):
    """An explicit upvote: a reaction, a "+1" reply, or a click. One per voter per question."""

    __tablename__ = "votes"
    __table_args__ = (UniqueConstraint("question_id", "voter_key", name="uq_votes_voter"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"))
    voter_key: Mapped[str] = mapped_column(String(80))
    # Anonymous reaction counts (Telegram message_reaction_count) arrive as one weighted vote.
    weight: Mapped[int] = mapped_column(Integer, default=1)
    platform: Mapped[Platform] = mapped_column(_enum(Platform, "platform"))
    created_at: Mapped[datetime]


class MergeBlock(Base):
    """A pair of questions the host split apart: never merged again automatically."""

    __tablename__ = "merge_blocks"
    __table_args__ = (
        UniqueConstraint("question_id", "other_question_id", name="uq_merge_blocks_pair"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"))
    other_question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"))
    # The normalized text of the ask that was split off, so a re-delivery cannot re-merge it.
    match_key: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]


class ChatterCount(Base):
    """Messages that were not questions: counted per platform, never stored."""

    __tablename__ = "chatter_counts"
    __table_args__ = (UniqueConstraint("event_id", "platform", name="uq_chatter_counts_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    platform: Mapped[Platform] = mapped_column(_enum(Platform, "platform"))
    count: Mapped[int] = mapped_column(Integer, default=0)


__all__ = ["Ask", "ChatterCount", "MergeBlock", "Question", "QuestionStatus", "Vote", "MAX_TEXT"]
