"""The submission page's queries: an event's web source by slug, and its counts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models import Event, EventSource, EventStatus, Platform


@dataclass(frozen=True, slots=True)
class AskPage:
    """What the page shows and the rules it follows, for one event."""

    event_id: int
    source_id: int
    slug: str
    title: str
    note: str | None
    closes_at: datetime | None
    ended: bool


async def ask_page(session: AsyncSession, *, slug: str) -> AskPage | None:
    """The event's submission page; None when the event has none (the default)."""
    row = (
        await session.execute(
            select(
                Event.id,
                EventSource.id,
                Event.slug,
                Event.title,
                EventSource.web_note,
                EventSource.web_closes_at,
                Event.status,
            )
            .join(EventSource, EventSource.event_id == Event.id)
            .where(Event.slug == slug, EventSource.platform == Platform.web)
            .order_by(EventSource.id)
            .limit(1)
        )
    ).first()
    if row is None:
        return None
    event_id, source_id, slug, title, note, closes_at, status = row
    return AskPage(event_id, source_id, slug, title, note, closes_at, status is EventStatus.ended)


async def count_submission(
    session: AsyncSession, *, source_id: int, now: datetime, taken: int, errors: int
) -> None:
    await session.execute(
        update(EventSource)
        .where(EventSource.id == source_id)
        .values(
            taken=EventSource.taken + taken,
            errors=EventSource.errors + errors,
            last_read_at=now,
        )
    )
