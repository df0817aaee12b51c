"""What detection set aside as chatter, held in this process's memory for the chat panel.

Chatter is never written to the database (only counted there); the panel shows the last 15
minutes of it per event, so a moderator can still promote a question the detector missed.
Messages join the log when their ingest transaction commits (never if it rolls back), are
dropped after the window or beyond a cap per event, and are gone when the process restarts.
Collectors running in this process feed it; one running as a separate process feeds its own.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import count

from sqlalchemy import event as sa_event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from intake.asks import IncomingAsk

WINDOW = timedelta(minutes=15)
CAP_PER_EVENT = 500  # messages; each is at most 4,096 characters
_PENDING = "liveq_pending_chatter"
_LISTENING = "liveq_chatter_listening"


@dataclass(frozen=True, slots=True)
class ChatterMessage:
    """One message set aside; `ask` is kept whole (in memory only) to promote it as it came."""

    id: int
    event_id: int
    ask: IncomingAsk
    received_at: datetime


@dataclass
class ChatterLog:
    """The recent chatter of every event, bounded in time and in number."""

    window: timedelta = WINDOW
    cap: int = CAP_PER_EVENT
    _events: dict[int, OrderedDict[int, ChatterMessage]] = field(default_factory=dict)
    _ids: Iterator[int] = field(default_factory=lambda: count(1))
    _waiters: dict[int, set[tuple[asyncio.AbstractEventLoop, asyncio.Event]]] = field(
        default_factory=dict
    )

    def add(self, event_id: int, asks: Sequence[IncomingAsk], *, now: datetime) -> None:
        """Keep `asks` (just set aside as chatter) for the panel."""
        if not asks:
            return
        kept = self._events.setdefault(event_id, OrderedDict())
        for ask in asks:
            entry = ChatterMessage(next(self._ids), event_id, ask, now)
            kept[entry.id] = entry
        while len(kept) > self.cap:
            kept.popitem(last=False)
        # Every event's old chatter goes, not only this one's: an event nobody watches any
        # more must not hold its last messages until a restart.
        for other in list(self._events):
            self._expire(other, now)
        self._wake(event_id)

    def recent(self, event_id: int, *, now: datetime) -> list[ChatterMessage]:
        """The event's chatter of the last `window`, oldest first."""
        self._expire(event_id, now)
        return list(self._events.get(event_id, {}).values())

    def take(self, event_id: int, message_id: int, *, now: datetime) -> ChatterMessage | None:
        """Remove a message to promote it (None when it is gone: taken, expired, evicted)."""
        self._expire(event_id, now)
        entry = self._events.get(event_id, OrderedDict()).pop(message_id, None)
        if entry is not None:
            self._wake(event_id)
        return entry

    def restore(self, entry: ChatterMessage) -> None:
        """Put back a message whose promotion failed."""
        kept = self._events.get(entry.event_id, OrderedDict())
        kept[entry.id] = entry
        self._events[entry.event_id] = OrderedDict(sorted(kept.items()))
        self._wake(entry.event_id)

    def add_on_commit(
        self, session: AsyncSession, event_id: int, asks: Sequence[IncomingAsk], *, now: datetime
    ) -> None:
        """Keep `asks` once `session`'s transaction commits; forget them if it rolls back."""
        if not asks:
            return
        sync = session.sync_session
        if not sync.info.get(_LISTENING):
            sync.info[_LISTENING] = True
            sa_event.listen(sync, "after_commit", self._commit)
            sa_event.listen(sync, "after_soft_rollback", self._rollback)
        sync.info.setdefault(_PENDING, []).append((event_id, list(asks), now))

    def _commit(self, sync: Session) -> None:
        for event_id, asks, now in sync.info.pop(_PENDING, []):
            self.add(event_id, asks, now=now)

    def _rollback(self, sync: Session, _previous: object) -> None:
        sync.info.pop(_PENDING, None)

    def _expire(self, event_id: int, now: datetime) -> None:
        kept = self._events.get(event_id)
        if kept is None:
            return
        oldest = now - self.window
        expired = False
        while kept:
            first = next(iter(kept.values()))
            if first.received_at >= oldest:
                break
            kept.popitem(last=False)
            expired = True
        if not kept:
            del self._events[event_id]
        if expired:
            self._wake(event_id)

    def size(self, event_id: int) -> int:
        return len(self._events.get(event_id, ()))

    @contextmanager
    def watching(self, event_id: int) -> Iterator[asyncio.Event]:
        """An asyncio.Event set whenever the event's chatter changes in this process."""
        waker = asyncio.Event()
        entry = (asyncio.get_running_loop(), waker)
        self._waiters.setdefault(event_id, set()).add(entry)
        try:
            yield waker
        finally:
            waiters = self._waiters.get(event_id)
            if waiters is not None:
                waiters.discard(entry)
                if not waiters:
                    del self._waiters[event_id]

    def _wake(self, event_id: int) -> None:
        for loop, waker in list(self._waiters.get(event_id, ())):
            if not loop.is_closed():
                loop.call_soon_threadsafe(waker.set)
