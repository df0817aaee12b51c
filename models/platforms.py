"""What the collectors remember between runs: chats the bot has seen, quota spent."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, Integer, String
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


class YoutubeQuotaDay(Base):
    """YouTube Data API units spent on one Pacific-time day."""

    __tablename__ = "youtube_quota_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    units: Mapped[int] = mapped_column(Integer, default=0)
