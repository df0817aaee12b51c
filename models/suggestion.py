"""Suggestions to merge a question into an earlier one that may say the same (shown on its row)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, Integer, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, column_property, mapped_column

from models.base import Base
from models.event import _enum
from models.question import Question, QuestionStatus


class SuggestionStatus(enum.StrEnum):
    open = "open"
    # The moderator said they differ: the pair is never offered again.
    dismissed = "dismissed"
    merged = "merged"


class Suggestion(Base):
    """`question` may be the same as the earlier `into`: found as it arrived, by words or
    meaning, for a moderator to merge with one key or dismiss for good."""

    __tablename__ = "suggestions"
    __table_args__ = (
        UniqueConstraint("question_id", "into_id", name="uq_suggestions_pair"),
        Index("ix_suggestions_event_status", "event_id", "status"),
        Index("ix_suggestions_question_status", "question_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"))
    into_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"))
    # 0–100, and what found it ("words" or "meaning"); `rank` orders a question's suggestions.
    score: Mapped[float] = mapped_column(Float)
    rank: Mapped[float] = mapped_column(Float)
    by: Mapped[str] = mapped_column(String(8))
    status: Mapped[SuggestionStatus] = mapped_column(_enum(SuggestionStatus, "suggestion_status"))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    # The earlier question as it is now (the mark shows its number and how often it was asked;
    # a suggestion into a question merged away or hidden is not shown).
    into_text: Mapped[str] = column_property(
        select(Question.text).where(Question.id == into_id).scalar_subquery()
    )
    into_ask_count: Mapped[int] = column_property(
        select(Question.ask_count).where(Question.id == into_id).scalar_subquery()
    )
    into_status: Mapped[QuestionStatus] = column_property(
        select(Question.status).where(Question.id == into_id).scalar_subquery()
    )


__all__ = ["Suggestion", "SuggestionStatus"]
