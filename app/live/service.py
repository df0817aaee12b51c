"""The live stream: audit entries of one event as Server-Sent Events, resumable by entry id.

Polling the audit trail (indexed on event id, id) keeps this simple and correct when a
collector writes from another process. Each change carries the current state of the
questions it touched, so a repeated or replayed event is harmless on the client.
"""

from __future__ import annotations

import asyncio
import json
import time
import weakref
from collections import deque
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import selectinload

from app.questions.repository import status_counts
from app.questions.service import question_out
from kit.changes import watching
from kit.db import read_only
from models import AuditEntry, Question


@dataclass
class LiveSettings:
    """How streams poll and how long one lives (the browser reconnects and resumes)."""

    poll_seconds: float = 0.25
    heartbeat_seconds: float = 15.0
    max_seconds: float = 300.0
    retry_ms: int = 1000
    batch: int = 500
    # A client that missed more than this is told to refetch instead of replaying.
    catch_up_limit: int = 2000
    # PostgreSQL may commit ids out of order: re-look this far back for late commits.
    # SQLite serialises writers, so ids commit in order there.
    overlap_seconds: float | None = None


@dataclass
class Streams:
    """The open streams, so a shutdown (or a test) can end them all."""

    # Weak: a stream whose body never ran (the client left at once) does not linger.
    _stops: weakref.WeakSet[asyncio.Event] = field(default_factory=weakref.WeakSet)

    _opened: asyncio.Event = field(default_factory=asyncio.Event)

    def open(self) -> asyncio.Event:
        stop = asyncio.Event()
        self._stops.add(stop)
        self._opened.set()
        return stop

    async def wait_open(self, count: int = 1) -> None:
        """Until at least `count` streams are open (tests and benchmarks await this)."""
        while len(self._stops) < count:
            self._opened.clear()
            await self._opened.wait()

    def release(self, stop: asyncio.Event) -> None:
        self._stops.discard(stop)

    def close_all(self) -> None:
        for stop in list(self._stops):
            stop.set()

    def __len__(self) -> int:
        return len(self._stops)


def sse(data: Any, *, event: str | None = None, entry_id: int | None = None) -> str:
    """One SSE message; json.dumps writes no newlines, so data is a single line."""
    head = f"id: {entry_id}\n" if entry_id is not None else ""
    head += f"event: {event}\n" if event else ""
    return f"{head}data: {json.dumps(data, separators=(',', ':'))}\n\n"


async def last_entry_id(session: AsyncSession, *, event_id: int) -> int:
    found = await session.scalar(
        select(func.max(AuditEntry.id)).where(AuditEntry.event_id == event_id)
    )
    return int(found or 0)


async def tab_counts(session: AsyncSession, *, event_id: int) -> dict[str, int]:
    """Questions per status, and `as_of`: the stream position they include at least.

    Counts reach a page two ways, the stream and a refetch, which may arrive in either order;
    the page keeps whichever is as of the later position. The position is read first, so the
    counts read after it include at least everything up to it.
    """
    as_of = await last_entry_id(session, event_id=event_id)
    return {**await status_counts(session, event_id=event_id), "as_of": as_of}


async def count_after(session: AsyncSession, *, event_id: int, after: int) -> int:
    return int(
        await session.scalar(
            select(func.count()).where(AuditEntry.event_id == event_id, AuditEntry.id > after)
        )
        or 0
    )


async def entries_after(
    session: AsyncSession,
    *,
    event_id: int,
    after: int,
    limit: int,
    between: tuple[int, int] | None = None,
    skip: Iterable[int] = (),
) -> list[AuditEntry]:
    """Entries past `after`, or (for late commits) inside `between` and not in `skip`."""
    query = select(AuditEntry).where(AuditEntry.event_id == event_id)
    if between is None:
        query = query.where(AuditEntry.id > after)
    else:
        query = query.where(AuditEntry.id > between[0], AuditEntry.id <= between[1])
        skipped = list(skip)
        if skipped:
            query = query.where(AuditEntry.id.not_in(skipped))
    rows = await session.scalars(query.order_by(AuditEntry.id).limit(limit))
    return list(rows)


def touched(entry: AuditEntry) -> set[int]:
    """The questions an entry changed: a merge and a split change two."""
    ids = {entry.question_id} if entry.question_id is not None else set()
    for key in ("merged", "from_question"):
        value = (entry.detail or {}).get(key)
        if isinstance(value, int):
            ids.add(value)
    return ids


async def change_messages(
    session: AsyncSession, *, event_id: int, entries: list[AuditEntry], names: bool
) -> list[str]:
    """The SSE messages for a batch of entries, then the tabs' counts."""
    wanted = set().union(*(touched(e) for e in entries))
    questions: dict[int, dict[str, Any]] = {}
    if wanted:
        rows = await session.scalars(
            select(Question).where(Question.id.in_(wanted)).options(selectinload(Question.asks))
        )
        questions = {q.id: question_out(q, names=names).model_dump(mode="json") for q in rows}
    messages = [
        sse(
            {
                "action": e.action,
                "question_id": e.question_id,
                "questions": [questions[i] for i in sorted(touched(e)) if i in questions],
            },
            event="change",
            entry_id=e.id,
        )
        for e in entries
    ]
    messages.append(sse(await tab_counts(session, event_id=event_id), event="counts"))
    return messages


async def stream(
    maker: async_sessionmaker[AsyncSession],
    *,
    event_id: int,
    after: int | None,
    names: bool,
    settings: LiveSettings,
    stop: asyncio.Event,
    overlap: float,
) -> AsyncIterator[str]:
    """The event's changes after `after` (or from now), until stopped or `max_seconds`."""
    yield f"retry: {settings.retry_ms}\n\n"
    async with maker() as session:
        await read_only(session)
        last = await last_entry_id(session, event_id=event_id)
        if after is None or after > last:
            after = last
            yield sse({"last": last}, event="hello", entry_id=last)
        elif await count_after(session, event_id=event_id, after=after) > settings.catch_up_limit:
            after = last
            yield sse({"last": last}, event="reset", entry_id=last)
        else:
            yield sse({"resumed": after}, event="hello")
    sent: set[int] = set()
    # (monotonic time, last id sent then): below the oldest in the window, nothing is late.
    window: deque[tuple[float, int]] = deque()
    floor = after
    ends = time.monotonic() + settings.max_seconds
    quiet_since = time.monotonic()
    with watching(event_id) as changed:
        while not stop.is_set() and time.monotonic() < ends:
            now = time.monotonic()
            changed.clear()  # before reading: a change committed from here on wakes us again
            async with maker() as session:
                await read_only(session)
                entries = await entries_after(
                    session, event_id=event_id, after=after, limit=settings.batch
                )
                if overlap and floor < after:
                    entries += await entries_after(
                        session,
                        event_id=event_id,
                        after=after,
                        limit=settings.batch,
                        between=(floor, after),
                        skip=sent,
                    )
                entries.sort(key=lambda e: e.id)
                messages = (
                    (
                        await change_messages(
                            session, event_id=event_id, entries=entries, names=names
                        )
                    )
                    if entries
                    else []
                )
            for message in messages:
                yield message
            if entries:
                quiet_since = now
                after = max(after, entries[-1].id)
                sent.update(e.id for e in entries)
            elif now - quiet_since >= settings.heartbeat_seconds:
                quiet_since = now
                yield ": heartbeat\n\n"
            window.append((now, after))
            while window and window[0][0] < now - overlap:
                floor = window.popleft()[1]
            sent = {i for i in sent if i > floor}
            if len(entries) >= settings.batch:
                continue
            try:
                # A change committed in this process wakes the stream at once; the poll catches
                # changes other processes make.
                await asyncio.wait_for(changed.wait(), settings.poll_seconds)
            except TimeoutError:
                pass
