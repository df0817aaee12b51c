"""One change feed per event per process: a single reader of the event's audit trail renders
each change once and fans it out to every open stream of that event.

The reader wakes on a commit in this process, on a NOTIFY from another (kit/listen.py), or at
the latest after a slow poll; so the database's load does not grow with the screens open. It
also serves streams that join (a fresh start, or a resume from Last-Event-ID), one after
another in its own task, so a stream never reads the database itself. Each stream has a
bounded queue: one that falls too far behind is told to refetch (a `reset`) instead of
buffering without limit. A change is written to each stream's connection by the feed itself
(subscriber.py).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.health.outage import is_outage
from app.live.render import (
    Rendered,
    change_messages,
    count_after,
    entries_after,
    last_entry_id,
    render,
    sse,
)
from app.live.settings import GuardSettings, LiveSettings
from app.live.subscriber import Sink, Subscriber
from kit.changes import watching
from kit.db import read_only

log = logging.getLogger("liveq.live")


@dataclass(frozen=True, slots=True)
class Published:
    ids: tuple[int, ...]
    batch: Rendered


class EventFeed:
    """The reader of one event's changes, and the streams it feeds."""

    def __init__(
        self,
        maker: async_sessionmaker[AsyncSession],
        *,
        event_id: int,
        settings: LiveSettings,
        sqlite: bool,
        fast_poll: Callable[[], bool],
        on_outage: Callable[[BaseException], None],
        guard: GuardSettings,
    ) -> None:
        self._on_outage = on_outage
        self._guard = guard
        self._maker = maker
        self.event_id = event_id
        self._settings = settings
        self._sqlite = sqlite
        self._fast_poll = fast_poll
        self.subscribers: set[Subscriber] = set()
        self._joining: list[Subscriber] = []
        self.position = 0
        self.recent: deque[Published] = deque()
        self.recent_floor = 0  # everything published above this id is in `recent`
        self.reads = 0
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._closing = False

    @property
    def _overlap(self) -> float:
        overlap = self._settings.overlap_seconds
        if overlap is None:
            overlap = 0.0 if self._sqlite else 5.0
        return overlap

    def subscribe(self, *, names: bool, after: int | None, sink: Sink | None = None) -> Subscriber:
        """A stream joins: its first messages (hello, what it missed) come from the reader."""
        sub = Subscriber(
            names=names, after=after, max_pending=self._settings.max_pending, sink=sink
        )
        self._joining.append(sub)
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=f"feed-{self.event_id}")
        self._wake.set()
        return sub

    def unsubscribe(self, sub: Subscriber) -> bool:
        """The stream left; True when it was the last one."""
        sub.close()
        self.subscribers.discard(sub)
        if sub in self._joining:
            self._joining.remove(sub)
        return not self.subscribers and not self._joining

    async def stop(self) -> None:
        """End the reader after the read in progress, if any, and close every stream."""
        self._closing = True
        self._wake.set()
        for sub in [*self.subscribers, *self._joining]:
            sub.close()
        if self._task is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self._task), 5.0)
            except TimeoutError:
                self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _run(self) -> None:
        started = False
        after = floor = 0
        sent: set[int] = set()
        # (monotonic time, last id read then): below the oldest in the window, nothing is late.
        window: deque[tuple[float, int]] = deque()
        failures = 0
        with watching(self.event_id) as changed:
            # One wake-up for everything: commits, joining streams, stopping.
            self._wake = changed
            while not self._closing:
                changed.clear()  # before reading: a change committed from now on wakes us
                settings = self._settings
                self.reads += 1
                try:
                    async with self._maker() as session:
                        await read_only(session)
                        if not started:
                            self.position = await last_entry_id(session, event_id=self.event_id)
                            after = floor = self.recent_floor = self.position
                            started = True
                        # Streams joining are greeted first: their hello waits for no read.
                        while self._joining:
                            await self._join(session, self._joining.pop(0))
                        entries, batch = await self._read(session, after, floor, sent)
                        if entries and batch is not None:
                            after = max(after, entries[-1])
                            self.position = max(self.position, after)
                            sent.update(entries)
                            await self._publish(Published(tuple(entries), batch))
                    failures = 0
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    failures += 1
                    if is_outage(exc):
                        # The database is unavailable: every stream is told to come back later
                        # (the browser resumes from the last id it saw); the reader retries.
                        self._on_outage(exc)
                        self._send_away()
                    elif failures == 1:
                        log.exception("live feed %s: reading changes failed", self.event_id)
                    await asyncio.sleep(min(settings.poll_seconds * 2**failures, 5.0))
                    continue
                now = time.monotonic()
                window.append((now, after))
                while window and window[0][0] < now - self._overlap:
                    floor = window.popleft()[1]
                sent = {i for i in sent if i > floor}
                if len(entries) >= settings.batch or self._joining:
                    continue
                wait = settings.poll_seconds if self._fast_poll() else settings.listen_poll_seconds
                try:
                    await asyncio.wait_for(changed.wait(), wait)
                except TimeoutError:
                    pass

    async def _read(
        self, session: AsyncSession, after: int, floor: int, sent: set[int]
    ) -> tuple[list[int], Rendered | None]:
        settings = self._settings
        entries = await entries_after(
            session, event_id=self.event_id, after=after, limit=settings.batch
        )
        if self._overlap and floor < after:
            entries += await entries_after(
                session,
                event_id=self.event_id,
                after=after,
                limit=settings.batch,
                between=(floor, after),
                skip=sent,
            )
        if not entries:
            return [], None
        entries.sort(key=lambda e: e.id)
        # Both settings, always: a stream may join while this batch renders.
        batch = await render(session, event_id=self.event_id, entries=entries, names=(False, True))
        return [e.id for e in entries], batch

    async def _join(self, session: AsyncSession, sub: Subscriber) -> None:
        """Greet a stream and give it what it missed up to the feed's position."""
        if sub.closed:
            return
        last, after = self.position, sub.after
        if after is None or after > last:
            messages = [sse({"last": last}, event="hello", entry_id=last)]
        elif after < last and (
            await count_after(session, event_id=self.event_id, after=after)
            > self._settings.catch_up_limit
        ):
            messages = [sse({"last": last}, event="reset", entry_id=last)]
        else:
            messages = [sse({"resumed": after}, event="hello")]
            if after < last:
                remembered = self._replay(after, last, names=sub.names)
                if remembered is None:
                    remembered, sub.seen = await self._missed(session, after, last, sub.names)
                messages += remembered
        if sub.closed:
            return  # it left while its catch-up was read
        # A fan-out from now on includes it; the greeting goes out at once (subscriber.py).
        sub.joined = True
        self.subscribers.add(sub)
        sub.send(messages)

    def _replay(self, after: int, upto: int, *, names: bool) -> list[str] | None:
        """What was published in (after, upto], from memory; None if memory does not reach."""
        if after < self.recent_floor:
            return None
        out: list[str] = []
        for published in self.recent:
            messages = [m for i, m in published.batch.changes[names] if after < i <= upto]
            if messages:
                out += messages
                out.append(published.batch.counts)
        return out

    async def _missed(
        self, session: AsyncSession, after: int, upto: int, names: bool
    ) -> tuple[list[str], set[int]]:
        """What a stream missed, read from the audit trail: (messages, entry ids)."""
        messages: list[str] = []
        seen: set[int] = set()
        while after < upto:
            entries = await entries_after(
                session, event_id=self.event_id, after=after, limit=self._settings.batch
            )
            entries = [e for e in entries if e.id <= upto]
            if not entries:
                break
            messages += await change_messages(
                session, event_id=self.event_id, entries=entries, names=names
            )
            seen.update(e.id for e in entries)
            after = entries[-1].id
        return messages, seen

    def _send_away(self) -> None:
        goodbye = [
            f"retry: {self._guard.outage_retry_ms}\n\n",
            sse({"reason": "database unavailable"}, event="reconnect"),
        ]
        for sub in [*self.subscribers, *self._joining]:
            sub.send(goodbye)
            sub.close()
        self.subscribers.clear()
        self._joining.clear()

    async def _publish(self, published: Published) -> None:
        self.recent.append(published)
        kept = sum(len(p.ids) for p in self.recent)
        while self.recent and kept > self._settings.replay_limit:
            dropped = self.recent.popleft()
            kept -= len(dropped.ids)
            self.recent_floor = max(self.recent_floor, *dropped.ids)
        # In slices, letting the loop run between them: waking a thousand streams at once put
        # every other request's next step behind a thousand writes (a POST's dozen steps made
        # it 170 ms instead of 55 at 1,000 streams).
        subscribers, position = list(self.subscribers), self.position
        step = self._settings.fan_out_slice
        for start in range(0, len(subscribers), step):
            if start:
                await asyncio.sleep(0)
            for sub in subscribers[start : start + step]:
                sub.push(published.batch, position)


class Feeds:
    """The feeds of this process, one per event with open streams."""

    def __init__(
        self,
        maker: async_sessionmaker[AsyncSession],
        settings: LiveSettings,
        *,
        sqlite: bool,
        listening: Callable[[], bool] = lambda: False,
        on_outage: Callable[[BaseException], None] = lambda exc: None,
        guard: GuardSettings | None = None,
    ) -> None:
        self._on_outage = on_outage
        self._guard = guard or GuardSettings()
        self._maker = maker
        self._settings = settings
        self._sqlite = sqlite
        self._listening = listening
        self._feeds: dict[int, EventFeed] = {}
        self._retired_reads = 0

    def get(self, event_id: int) -> EventFeed:
        feed = self._feeds.get(event_id)
        if feed is None:
            feed = self._feeds[event_id] = EventFeed(
                self._maker,
                event_id=event_id,
                settings=self._settings,
                sqlite=self._sqlite,
                fast_poll=lambda: not self._listening(),
                on_outage=self._on_outage,
                guard=self._guard,
            )
        return feed

    def __len__(self) -> int:
        return len(self._feeds)

    @property
    def total_reads(self) -> int:
        """Reads of the audit trail by every feed of this process so far."""
        return self._retired_reads + sum(f.reads for f in self._feeds.values())

    async def leave(self, feed: EventFeed, sub: Subscriber) -> None:
        """A stream ended; the feed stops with its last stream."""
        if feed.unsubscribe(sub) and self._feeds.get(feed.event_id) is feed:
            del self._feeds[feed.event_id]
            await feed.stop()
            self._retired_reads += feed.reads

    def wake_all(self) -> None:
        """Every stream checks whether it should end (a shutdown, a sign-out elsewhere)."""
        for feed in self._feeds.values():
            for sub in [*feed.subscribers, *feed._joining]:
                sub.wake.set()

    async def close(self) -> None:
        feeds, self._feeds = list(self._feeds.values()), {}
        await asyncio.gather(*(f.stop() for f in feeds), return_exceptions=True)
