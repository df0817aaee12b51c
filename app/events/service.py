"""Event rules: creation with sources, edits, ending, purging personal data."""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.events.health import SourceHealth, telegram_health, youtube_health
from app.events.schemas import EventCreate, EventOut, EventPatch, SourceIn, SourceOut
from intake.bookkeeping import audit
from models import Ask, Event, EventSource, EventStatus, Platform, SourceState, Vote


class NotFound(LookupError):
    """An id that names nothing."""


def slugify(title: str) -> str:
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")[:60]
    return f"{slug or 'event'}-{secrets.token_hex(3)}"


async def get_event(session: AsyncSession, *, event_id: int) -> Event:
    event = await session.scalar(
        select(Event).where(Event.id == event_id).options(selectinload(Event.sources))
    )
    if event is None:
        raise NotFound(f"event {event_id} not found")
    return event


async def list_events(session: AsyncSession) -> Sequence[Event]:
    rows = await session.scalars(
        select(Event).options(selectinload(Event.sources)).order_by(Event.id.desc())
    )
    return rows.all()


def _sources(event_id: int, sources: Sequence[SourceIn], now: datetime) -> list[EventSource]:
    made = []
    seen: set[tuple[object, ...]] = set()
    for src in sources:
        if src.platform == "telegram":
            identity: tuple[object, ...] = ("telegram", src.chat_id, src.thread_id)
            row = EventSource(
                event_id=event_id,
                platform=Platform.telegram,
                telegram_chat_id=src.chat_id,
                telegram_thread_id=src.thread_id,
                state=SourceState.waiting,
                updated_at=now,
            )
        else:
            identity = ("youtube", src.video, None)
            row = EventSource(
                event_id=event_id,
                platform=Platform.youtube,
                youtube_video_id=src.video,
                state=SourceState.waiting,
                updated_at=now,
            )
        if identity not in seen:
            seen.add(identity)
            made.append(row)
    return made


async def create_event(
    session: AsyncSession, *, data: EventCreate, actor: str, now: datetime
) -> Event:
    event = Event(
        slug=slugify(data.title),
        title=data.title,
        status=EventStatus.live,
        question_mode=data.question_mode,
        review=data.review,
        acknowledge=data.acknowledge,
        paid_boost=data.paid_boost,
        include_moderators=data.include_moderators,
        planned_end_at=data.planned_end_at,
        created_at=now,
    )
    session.add(event)
    await session.flush()
    session.add_all(_sources(event.id, data.sources, now))
    audit(
        session,
        event_id=event.id,
        question_id=None,
        actor=actor,
        action="event_created",
        at=now,
        title=data.title,
    )
    await session.flush()
    return await get_event(session, event_id=event.id)


async def update_event(
    session: AsyncSession, *, event: Event, data: EventPatch, actor: str, now: datetime
) -> Event:
    changes = data.model_dump(exclude_unset=True)
    for field in (
        "title",
        "question_mode",
        "review",
        "acknowledge",
        "paid_boost",
        "include_moderators",
        "planned_end_at",
    ):
        if field in changes and changes[field] is not None:
            setattr(event, field, getattr(data, field))
    if data.status == "ended" and event.status is EventStatus.live:
        event.status, event.ended_at = EventStatus.ended, now
    elif data.status == "live" and event.status is EventStatus.ended:
        event.status, event.ended_at = EventStatus.live, None
    if data.sources is not None:
        wanted = {(_identity(s)): s for s in _sources(event.id, data.sources, now)}
        for existing in list(event.sources):
            if _identity(existing) not in wanted:
                await session.delete(existing)
            else:
                del wanted[_identity(existing)]
        session.add_all(wanted.values())
    audit(
        session,
        event_id=event.id,
        question_id=None,
        actor=actor,
        action="event_updated",
        at=now,
        **{k: str(v) for k, v in changes.items() if k != "sources"},
    )
    await session.flush()
    session.expunge(event)
    return await get_event(session, event_id=event.id)


def _identity(src: EventSource) -> tuple[object, ...]:
    return (src.platform.value, src.telegram_chat_id, src.telegram_thread_id, src.youtube_video_id)


async def purge_personal_data(
    session: AsyncSession, *, event: Event, actor: str, now: datetime
) -> int:
    """Forget who asked: author names and keys, and voters. Counts stay; the questions stay."""
    result = await session.execute(
        update(Ask).where(Ask.event_id == event.id).values(author_name=None, author_key=None)
    )
    purged = int(cast(CursorResult[Any], result).rowcount)
    question_ids = select(Ask.question_id).where(Ask.event_id == event.id)
    await session.execute(
        delete(Vote).where(
            Vote.question_id.in_(question_ids), Vote.voter_key.not_like("reactions:%")
        )
    )
    audit(
        session,
        event_id=event.id,
        question_id=None,
        actor=actor,
        action="personal_data_purged",
        at=now,
        asks=purged,
    )
    await session.flush()
    return purged


def collector_reports(collectors: dict[str, Any], event: Event) -> dict[int, dict[str, object]]:
    """What the running collectors say about each of the event's sources, by source id."""
    reports: dict[int, dict[str, object]] = {}
    youtube = collectors.get("youtube")
    if youtube is not None:
        for report in youtube.source_status(event.id):
            if isinstance(report.get("source_id"), int):
                reports[report["source_id"]] = report
    telegram = collectors.get("telegram")
    if telegram is not None:
        status = telegram.status()
        for src in event.sources:
            if src.platform is Platform.telegram:
                reports[src.id] = {
                    "collector": status.get("state"),
                    "reason": status.get("reason"),
                    "bot": status.get("bot_username"),
                }
    return reports


def event_out(
    event: Event, collector_status: dict[int, dict[str, object]] | None = None
) -> EventOut:
    return EventOut(
        id=event.id,
        slug=event.slug,
        title=event.title,
        status=event.status,
        question_mode=event.question_mode,
        review=event.review,
        acknowledge=event.acknowledge,
        paid_boost=event.paid_boost,
        include_moderators=event.include_moderators,
        planned_end_at=event.planned_end_at,
        created_at=event.created_at,
        ended_at=event.ended_at,
        sources=[source_out(s, (collector_status or {}).get(s.id)) for s in event.sources],
    )


def source_out(src: EventSource, collector: dict[str, object] | None = None) -> SourceOut:
    return SourceOut(
        id=src.id,
        platform=src.platform.value,
        chat_id=src.telegram_chat_id,
        thread_id=src.telegram_thread_id,
        video=src.youtube_video_id,
        live_chat_id=src.youtube_live_chat_id,
        state=src.state.value,
        state_reason=src.state_reason,
        collector=collector,
    )


async def sources_health(
    session: AsyncSession, *, event: Event, collectors: dict[str, Any]
) -> dict[int, SourceHealth]:
    """Each source's health in plain words, by source id (the dashboard's sources panel)."""
    latest = {
        (platform, source_id): at
        for platform, source_id, at in await session.execute(
            select(Ask.platform, Ask.source_id, func.max(Ask.received_at))
            .where(Ask.event_id == event.id)
            .group_by(Ask.platform, Ask.source_id)
        )
    }
    youtube, telegram = collectors.get("youtube"), collectors.get("telegram")
    reports = collector_reports(collectors, event)
    live = event.status is EventStatus.live
    health: dict[int, SourceHealth] = {}
    for src in event.sources:
        if src.platform is Platform.youtube:
            health[src.id] = youtube_health(
                state=src.state.value,
                reason=src.state_reason,
                collector_running=youtube is not None,
                event_live=live,
                report=reports.get(src.id),
                quota=youtube.status().get("quota") if youtube is not None else None,
                last_question_at=latest.get((Platform.youtube, src.youtube_live_chat_id or "")),
            )
        elif src.platform is Platform.telegram:
            health[src.id] = telegram_health(
                state=src.state.value,
                reason=src.state_reason,
                collector=telegram.status() if telegram is not None else None,
                event_live=live,
                last_question_at=latest.get((Platform.telegram, str(src.telegram_chat_id))),
            )
    return health
