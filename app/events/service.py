"""Event rules: creation with sources, edits, ending, purging personal data."""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Sequence
from datetime import datetime
from functools import cache
from typing import Any, cast

from sqlalchemy import CursorResult, Select, bindparam, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.events.health import SourceHealth, telegram_health, youtube_health
from app.events.schemas import (
    EventCreate,
    EventOut,
    EventPatch,
    SetAsideOut,
    SourceIn,
    SourceOut,
)
from intake.bookkeeping import audit
from intake.setaside import SetAsideSummary, set_aside_summaries
from kit.wakeups import announce_sources
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


async def require_event(session: AsyncSession, *, event_id: int) -> None:
    """NotFound unless the event exists (one look-up by key, nothing loaded: `/counts` is
    polled by every open dashboard)."""
    if await session.scalar(_event_exists(), {"event": event_id}) is None:
        raise NotFound(f"event {event_id} not found")


@cache
def _event_exists() -> Select[int]:
    return select(Event.id).where(Event.id == bindparam("event"))


async def list_events(session: AsyncSession) -> Sequence[Event]:
    rows = await session.scalars(
        select(Event).options(selectinload(Event.sources)).order_by(Event.id.desc())
    )
    return rows.all()


def _sources(event_id: int, sources: Sequence[SourceIn], now: datetime) -> list[EventSource]:
    made = []
    seen: set[tuple[object, ...]] = set()
    for src in sources:
        row = EventSource(event_id=event_id, state=SourceState.waiting, updated_at=now)
        if src.platform == "telegram":
            row.platform = Platform.telegram
            row.telegram_chat_id, row.telegram_thread_id = src.chat_id, src.thread_id
        elif src.platform == "youtube":
            row.platform, row.youtube_video_id = Platform.youtube, src.video
        elif src.platform == "email":
            row.platform, row.email_mailbox = Platform.email, src.mailbox
            row.email_subject_tag, row.email_move_to = src.subject_tag, src.move_to
        else:
            row.platform, row.web_note, row.web_closes_at = Platform.web, src.note, src.closes_at
            row.state = SourceState.active
        if _identity(row) not in seen:
            seen.add(_identity(row))
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
        moderators_see_names=data.moderators_see_names,
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
    await announce_sources(session, event_id=event.id)
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
        "moderators_see_names",
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
                _keep_options(existing, wanted.pop(_identity(existing)))
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
    await announce_sources(session, event_id=event.id)
    session.expunge(event)
    return await get_event(session, event_id=event.id)


def _identity(src: EventSource) -> tuple[object, ...]:
    """What makes a source the same one: its options may change, its counts stay."""
    return (
        src.platform.value,
        src.telegram_chat_id,
        src.telegram_thread_id,
        src.youtube_video_id,
        src.email_mailbox,
    )


def _keep_options(existing: EventSource, given: EventSource) -> None:
    """An email or web source listed again takes its new options (tag, folder, text, time)."""
    existing.email_subject_tag, existing.email_move_to = (
        given.email_subject_tag,
        given.email_move_to,
    )
    existing.web_note, existing.web_closes_at = given.web_note, given.web_closes_at


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
    email = collectors.get("email")
    if email is not None:
        for report in email.source_status(event.id):
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
        moderators_see_names=event.moderators_see_names,
        planned_end_at=event.planned_end_at,
        created_at=event.created_at,
        ended_at=event.ended_at,
        sources=[source_out(s, (collector_status or {}).get(s.id)) for s in event.sources],
    )


async def set_aside_by_source(session: AsyncSession, *, event: Event) -> dict[int, SetAsideSummary]:
    """Messages set aside, per source of the event (by source id). A Telegram chat linked to
    several events over time shows all of its own."""
    keys: dict[int, tuple[Platform, str]] = {}
    for src in event.sources:
        if src.platform is Platform.telegram and src.telegram_chat_id is not None:
            keys[src.id] = (Platform.telegram, str(src.telegram_chat_id))
        elif src.platform is Platform.youtube and src.youtube_live_chat_id:
            keys[src.id] = (Platform.youtube, src.youtube_live_chat_id)
    found = await set_aside_summaries(session, sources=list(keys.values()))
    empty = SetAsideSummary(0, [])
    return {source_id: found.get(key, empty) for source_id, key in keys.items()}


def source_out(
    src: EventSource,
    collector: dict[str, object] | None = None,
    set_aside: SetAsideSummary | None = None,
) -> SourceOut:
    return SourceOut(
        id=src.id,
        platform=src.platform.value,
        chat_id=src.telegram_chat_id,
        thread_id=src.telegram_thread_id,
        video=src.youtube_video_id,
        live_chat_id=src.youtube_live_chat_id,
        mailbox=src.email_mailbox,
        subject_tag=src.email_subject_tag,
        move_to=src.email_move_to,
        note=src.web_note,
        closes_at=src.web_closes_at,
        state=src.state.value,
        state_reason=src.state_reason,
        taken=src.taken,
        errors=src.errors,
        last_read_at=src.last_read_at,
        collector=collector,
        set_aside=set_aside.count if set_aside is not None else None,
        set_aside_recent=[SetAsideOut(**r) for r in set_aside.recent] if set_aside else [],
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
