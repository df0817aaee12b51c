"""The email collector's queries: the mailboxes of live events, their cursors, their counts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from models import EmailCursor, Event, EventSource, EventStatus, Platform, SourceState


@dataclass(frozen=True, slots=True)
class SourceRow:
    """An email source of a live event."""

    source_id: int
    event_id: int
    mailbox: str
    subject_tag: str | None
    move_to: str | None


@dataclass(frozen=True, slots=True)
class Cursor:
    uidvalidity: int
    last_uid: int


async def live_email_sources(session: AsyncSession) -> list[SourceRow]:
    rows = await session.execute(
        select(
            EventSource.id,
            EventSource.event_id,
            EventSource.email_mailbox,
            EventSource.email_subject_tag,
            EventSource.email_move_to,
        )
        .join(Event, Event.id == EventSource.event_id)
        .where(
            Event.status == EventStatus.live,
            EventSource.platform == Platform.email,
            EventSource.email_mailbox.is_not(None),
        )
        .order_by(EventSource.id)
    )
    return [SourceRow(a, b, box or "", tag, move) for a, b, box, tag, move in rows]


async def cursor(session: AsyncSession, *, mailbox: str) -> Cursor | None:
    row = await session.get(EmailCursor, mailbox)
    return Cursor(row.uidvalidity, row.last_uid) if row is not None else None


async def save_cursor(
    session: AsyncSession,
    *,
    mailbox: str,
    uidvalidity: int,
    last_uid: int,
    messages: int,
    now: datetime,
) -> None:
    """Move the mailbox's cursor (made on first use) and add to its message count."""
    values = {"uidvalidity": uidvalidity, "last_uid": last_uid, "updated_at": now}
    result = await session.execute(
        update(EmailCursor)
        .where(EmailCursor.mailbox == mailbox)
        .values(**values, messages=EmailCursor.messages + messages)
    )
    if result.rowcount:  # type: ignore[attr-defined]
        return
    try:
        async with session.begin_nested():
            session.add(EmailCursor(mailbox=mailbox, messages=messages, **values))
    except IntegrityError:  # another process made it first: ours wins, as the latest read
        await session.execute(
            update(EmailCursor).where(EmailCursor.mailbox == mailbox).values(**values)
        )


async def record_source(
    session: AsyncSession,
    *,
    source_id: int,
    now: datetime,
    state: SourceState,
    reason: str | None,
    taken: int = 0,
    errors: int = 0,
) -> bool:
    """Add to a source's counts and set its state; False when the source is gone."""
    result = await session.execute(
        update(EventSource)
        .where(EventSource.id == source_id)
        .values(
            state=state,
            state_reason=reason,
            updated_at=now,
            last_read_at=now,
            taken=EventSource.taken + taken,
            errors=EventSource.errors + errors,
        )
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]
