"""The Telegram collector's queries: chats it has seen, the live events' Telegram sources."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import Select, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from collectors.telegram.parse import ChatSeen
from intake.text.clean import clean_label
from kit.db import one_of
from models import Event, EventSource, EventStatus, Platform, SourceState, TelegramChat

# How fresh a remembered chat's "last seen" is kept.
SEEN_PRECISION = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class Route:
    """A live event collecting from a chat (restricted to one topic when thread_id is set)."""

    source_id: int
    event_id: int
    thread_id: int | None
    acknowledge: bool
    state: SourceState

    def takes(self, thread_id: int | None) -> bool:
        return self.thread_id is None or self.thread_id == thread_id


@cache
def _routes_query(dialect: str) -> Select[int | None, int, int, int | None, bool, SourceState]:
    """Built once per kind of database: a batch's statements cost more to build than to run."""
    return (
        select(
            EventSource.telegram_chat_id,
            EventSource.id,
            EventSource.event_id,
            EventSource.telegram_thread_id,
            Event.acknowledge,
            EventSource.state,
        )
        .join(Event, Event.id == EventSource.event_id)
        .where(
            Event.status == EventStatus.live,
            EventSource.platform == Platform.telegram,
            one_of(EventSource.telegram_chat_id, "chats", dialect),
        )
        .order_by(EventSource.event_id)
    )


async def routes_for(session: AsyncSession, *, chat_ids: Sequence[int]) -> dict[int, list[Route]]:
    """The live events' sources for these chats, by chat id."""
    rows = await session.execute(
        _routes_query(session.get_bind().dialect.name), {"chats": list(chat_ids)}
    )
    routes: dict[int, list[Route]] = {}
    for chat_id, source_id, event_id, thread_id, acknowledge, state in rows:
        assert chat_id is not None  # selected by it
        routes.setdefault(chat_id, []).append(
            Route(source_id, event_id, thread_id, bool(acknowledge), state)
        )
    return routes


async def activate_sources(
    session: AsyncSession, *, source_ids: Sequence[int], now: datetime
) -> None:
    """Sources that just received messages are active (a source made after start-up too)."""
    await session.execute(
        update(EventSource)
        .where(EventSource.id.in_(source_ids))
        .values(state=SourceState.active, state_reason=None, updated_at=now)
    )


async def set_live_sources_state(
    session: AsyncSession, *, state: SourceState, reason: str | None, now: datetime
) -> None:
    """Every Telegram source of a live event follows the collector (running, stopped …)."""
    live = select(Event.id).where(Event.status == EventStatus.live)
    await session.execute(
        update(EventSource)
        .where(EventSource.platform == Platform.telegram, EventSource.event_id.in_(live))
        .values(state=state, state_reason=reason, updated_at=now)
    )


@cache
def _chats_query(dialect: str) -> Select[TelegramChat]:
    return select(TelegramChat).where(one_of(TelegramChat.id, "ids", dialect))


async def remember_chats(
    session: AsyncSession, *, chats: Sequence[ChatSeen], now: datetime
) -> None:
    """Insert or refresh the chats of a batch (the caller commits)."""
    # A chat's title is hostile text like any message's: cleaned, and cut to its column.
    by_id = {
        c.id: dataclasses.replace(
            c, title=clean_label(c.title, 255), type=clean_label(c.type, 20) or "unknown"
        )
        for c in chats
    }
    query = _chats_query(session.get_bind().dialect.name)
    known = {row.id: row for row in await session.scalars(query, {"ids": list(by_id)})}
    for chat_id, seen in by_id.items():
        row = known.get(chat_id)
        if row is None:
            session.add(
                TelegramChat(
                    id=chat_id,
                    title=seen.title,
                    type=seen.type,
                    is_forum=seen.is_forum,
                    last_seen_at=now,
                )
            )
        elif (row.title, row.type, row.is_forum) != (seen.title, seen.type, seen.is_forum):
            row.title, row.type, row.is_forum, row.last_seen_at = (
                seen.title,
                seen.type,
                seen.is_forum,
                now,
            )
        elif row.last_seen_at < now - SEEN_PRECISION:
            # "Last seen" orders the chat picker: to the minute is enough, and a busy chat's
            # batches then cost no write here.
            row.last_seen_at = now
    await session.flush()


async def list_chats(session: AsyncSession) -> list[TelegramChat]:
    """Every remembered chat, most recently seen first (`liveq telegram chats`, the API)."""
    rows = await session.scalars(
        select(TelegramChat).order_by(TelegramChat.last_seen_at.desc(), TelegramChat.id)
    )
    return list(rows)
