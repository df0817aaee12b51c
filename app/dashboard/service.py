"""What the dashboard's pages need beyond the API: the Telegram chats the bot has seen, and
people's names as a person reads them."""

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


def display_name(actor: str) -> str:
    """Who is signed in, in words: a token's name ("serve"), not its key ("token:1:serve")."""
    kind, _, rest = actor.partition(":")
    if kind == "token" and ":" in rest:
        return rest.split(":", 1)[1] or actor
    return actor
