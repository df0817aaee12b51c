"""Messages a source could not store: set aside with the reason, never with their text."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base
from models.event import Platform, _enum


class SetAsideMessage(Base):
    """One message that failed to store after a retry, so its source moved on without it."""

    __tablename__ = "set_aside_messages"
    __table_args__ = (Index("ix_set_aside_messages_source", "platform", "source_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[Platform] = mapped_column(_enum(Platform, "platform"))
    # The source's own key: a Telegram chat id, a YouTube live chat id, "import:<file>"…
    source_id: Mapped[str] = mapped_column(String(200))
    # Where to find the message on its platform (update id, message id, line): never its text.
    message_ref: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(String(300))
    at: Mapped[datetime]
