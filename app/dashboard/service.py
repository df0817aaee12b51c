"""What the dashboard's pages need beyond the API: the Telegram chats the bot has seen."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import TelegramChat


async def seen_chats(session: AsyncSession, *, limit: int = 200) -> Sequence[TelegramChat]:
    """Chats the bot is in, most recently seen first: the choices when linking an event."""
    rows = await session.scalars(
        select(TelegramChat).order_by(TelegramChat.last_seen_at.desc()).limit(limit)
    )
    return rows.all()
