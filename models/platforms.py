"""What the collectors remember between runs: chats the bot has seen, updates fetched and not yet
stored, quota spent."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class TelegramChat(Base):
    """A chat the bot is in, linked to an event or not: how a host finds the id to link."""

    __tablename__ = "telegram_chats"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    title: Mapped[str | None] = mapped_column(String(255))
    type: Mapped[str] = mapped_column(String(20))
    is_forum: Mapped[bool] = mapped_column(default=False)
    last_seen_at: Mapped[datetime]


class TelegramInbox(Base):
    """Updates fetched from Telegram and not yet stored in the queue.

    Written before the next getUpdates confirms them (Telegram then forgets them), deleted by the
    transaction that stores them: the fetch of the next batch never waits for this one's
    ingestion, and a process killed in between finds them on its next start. A row lives for
    milliseconds while the collector runs; it holds the updates as Telegram sent them (names
    included), so it is kept no longer than that. Used on PostgreSQL; beside a SQLite database
    the same two tables live in a file of their own (collectors/telegram/inbox.py), so that
    keeping a batch never waits for the database's one writer.
    """

    __tablename__ = "telegram_inbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bot_id: Mapped[int] = mapped_column(BigInteger)
    received_at: Mapped[datetime]
    updates: Mapped[bytes] = mapped_column(LargeBinary)  # a JSON array, zlib-compressed


class TelegramOffset(Base):
    """Per bot, the first update id not yet kept in the inbox: where getUpdates resumes after a
    restart, so that what the inbox holds is not delivered a second time."""

    __tablename__ = "telegram_offsets"

    bot_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    next_offset: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime]


class YoutubeQuotaDay(Base):
    """YouTube Data API units spent on one Pacific-time day."""

    __tablename__ = "youtube_quota_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    units: Mapped[int] = mapped_column(Integer, default=0)
