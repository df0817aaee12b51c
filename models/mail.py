"""What the email collector remembers per mailbox: where it stopped reading."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class EmailCursor(Base):
    """One mailbox's read position: the last UID taken under one UIDVALIDITY."""

    __tablename__ = "email_cursors"

    # The mailbox URL without a password, as the event names it (one cursor however many
    # events read the mailbox).
    mailbox: Mapped[str] = mapped_column(String(300), primary_key=True)
    uidvalidity: Mapped[int] = mapped_column(BigInteger)
    last_uid: Mapped[int] = mapped_column(BigInteger)
    messages: Mapped[int] = mapped_column(Integer, default=0)  # taken since the cursor began
    updated_at: Mapped[datetime]
