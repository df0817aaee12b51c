"""The live event each benchmark collects into, made as the API makes one."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.events.schemas import EventCreate
from app.events.service import create_event


async def live_event(
    maker: async_sessionmaker[AsyncSession], *, title: str = "Bench", **options: Any
) -> int:
    """A live event (options as `POST /api/v1/events` takes them, sources included); its id."""
    async with maker() as s, s.begin():
        data = EventCreate.model_validate({"title": title, **options})
        event = await create_event(s, data=data, actor="bench", now=datetime.now(UTC))
        return event.id
