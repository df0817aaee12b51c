"""The YouTube collector's queries: its sources, their saved state, and the quota spent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from models import Event, EventSource, EventStatus, Platform, SourceState, YoutubeQuotaDay


@dataclass(frozen=True, slots=True)
class SourceRow:
    """A YouTube source of a live event, with the event options the collector needs."""

    source_id: int
    event_id: int
    video_id: str | None
    live_chat_id: str | None
    page_token: str | None
    state: SourceState
    reason: str | None
    include_moderators: bool
    planned_end_at: datetime | None
    updated_at: datetime


async def live_youtube_sources(
    session: AsyncSession, *, event_ids: set[int] | None = None
) -> list[SourceRow]:
    """The YouTube sources of live events (of `event_ids` only, when given)."""
    query = (
        select(
            EventSource.id,
            EventSource.event_id,
            EventSource.youtube_video_id,
            EventSource.youtube_live_chat_id,
            EventSource.youtube_page_token,
            EventSource.state,
            EventSource.state_reason,
            Event.include_moderators,
            Event.planned_end_at,
            EventSource.updated_at,
        )
        .join(Event, Event.id == EventSource.event_id)
        .where(Event.status == EventStatus.live, EventSource.platform == Platform.youtube)
        .order_by(EventSource.id)
    )
    if event_ids is not None:
        query = query.where(EventSource.event_id.in_(sorted(event_ids)))
    rows = await session.execute(query)
    return [SourceRow(*tuple(row)) for row in rows]


async def set_source_state(
    session: AsyncSession,
    *,
    source_id: int,
    state: SourceState,
    reason: str | None,
    now: datetime,
    live_chat_id: str | None = None,
    page_token: str | None = None,
    clear_token: bool = False,
) -> bool:
    """Record a source's state (and chat id / page token when given); False if it is gone."""
    values: dict[str, object] = {"state": state, "state_reason": reason, "updated_at": now}
    if live_chat_id is not None:
        values["youtube_live_chat_id"] = live_chat_id
    if page_token is not None or clear_token:
        values["youtube_page_token"] = page_token
    result = await session.execute(
        update(EventSource).where(EventSource.id == source_id).values(**values)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def quota_units(session: AsyncSession, *, day: date) -> int:
    units = await session.scalar(select(YoutubeQuotaDay.units).where(YoutubeQuotaDay.day == day))
    return int(units or 0)


async def add_quota_units(session: AsyncSession, *, day: date, units: int) -> None:
    """Add to the day's count; the caller serializes calls within the process."""
    result = await session.execute(
        update(YoutubeQuotaDay)
        .where(YoutubeQuotaDay.day == day)
        .values(units=YoutubeQuotaDay.units + units)
    )
    if result.rowcount:  # type: ignore[attr-defined]
        return
    try:
        async with session.begin_nested():
            session.add(YoutubeQuotaDay(day=day, units=units))
    except IntegrityError:
        # Another process made today's row first.
        await session.execute(
            update(YoutubeQuotaDay)
            .where(YoutubeQuotaDay.day == day)
            .values(units=YoutubeQuotaDay.units + units)
        )
