"""An event (one live session) and the sources it collects from."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy import Enum as SAEnum
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base

if TYPE_CHECKING:
    from models.question import Question


class EventStatus(enum.StrEnum):
    live = "live"
    ended = "ended"


class QuestionMode(enum.StrEnum):
    auto = "auto"
    all = "all"
    marked = "marked"


class Platform(enum.StrEnum):
    telegram = "telegram"
    youtube = "youtube"
    manual = "manual"
    email = "email"
    web = "web"


def _enum(cls: type[enum.Enum], name: str) -> SAEnum:
    # Stored as plain strings with a CHECK: portable, and adding a value is a small migration.
    return SAEnum(cls, name=name, native_enum=False, length=16, validate_strings=True)


class Event(Base):
    __tablename__ = "events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    status: Mapped[EventStatus] = mapped_column(_enum(EventStatus, "event_status"))
    question_mode: Mapped[QuestionMode] = mapped_column(_enum(QuestionMode, "question_mode"))
    # When on, new questions wait in `pending` until a moderator lets them through.
    review: Mapped[bool] = mapped_column(Boolean, default=False)
    # Per-event options: Telegram acknowledgements, paid-message boost, moderators' messages.
    acknowledge: Mapped[bool] = mapped_column(Boolean, default=False)
    paid_boost: Mapped[int] = mapped_column(Integer, default=0)
    include_moderators: Mapped[bool] = mapped_column(Boolean, default=False)
    # Whether moderators may reveal askers' names (hosts and admins always may, viewers never).
    moderators_see_names: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=sa_false()
    )
    planned_end_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]

    sources: Mapped[list[EventSource]] = relationship(
        back_populates="event",
        lazy="raise",
        cascade="all, delete-orphan",
        order_by="EventSource.id",
    )
    questions: Mapped[list[Question]] = relationship(back_populates="event", lazy="raise")


class SourceState(enum.StrEnum):
    waiting = "waiting"  # not collecting yet (no collector running, stream not started)
    active = "active"
    ended = "ended"  # the chat ended: nothing more will come
    stopped = "stopped"  # stopped with a reason (bad key, chat disabled, quota)


class EventSource(Base):
    """One place an event collects from: a Telegram chat (and topic) or a YouTube video."""

    __tablename__ = "event_sources"
    __table_args__ = (
        UniqueConstraint(
            "event_id",
            "platform",
            "telegram_chat_id",
            "telegram_thread_id",
            "youtube_video_id",
            name="uq_event_sources_identity",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    platform: Mapped[Platform] = mapped_column(_enum(Platform, "platform"))
    telegram_chat_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    telegram_thread_id: Mapped[int | None] = mapped_column(BigInteger)
    youtube_video_id: Mapped[str | None] = mapped_column(String(32))
    youtube_live_chat_id: Mapped[str | None] = mapped_column(String(200))
    # The live chat's nextPageToken, saved after each committed page so a restart resumes.
    youtube_page_token: Mapped[str | None] = mapped_column(Text)
    state: Mapped[SourceState] = mapped_column(_enum(SourceState, "source_state"))
    state_reason: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime]
    # Email: the mailbox as `imaps://user@host:993/INBOX` (never a password), an optional
    # subject tag a mail must carry, and a folder to move taken mail to (else it is flagged).
    email_mailbox: Mapped[str | None] = mapped_column(String(300), index=True)
    email_subject_tag: Mapped[str | None] = mapped_column(String(100))
    email_move_to: Mapped[str | None] = mapped_column(String(200))
    # The public submission page (platform web): the host's short text and its closing time.
    web_note: Mapped[str | None] = mapped_column(Text)
    web_closes_at: Mapped[datetime | None]
    # What the source has done, for the sources listing: messages taken, errors, last read.
    taken: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    errors: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_read_at: Mapped[datetime | None]

    event: Mapped[Event] = relationship(back_populates="sources", lazy="raise")
