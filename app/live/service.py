"""The live stream: an event's changes as Server-Sent Events, resumable by audit entry id.

Every stream of an event is fed by the one feed of that event in this process (feed.py): the
stream itself never reads the database. Each change carries the current state of the
questions it touched, so a repeated or replayed event is harmless on the client.
"""

from __future__ import annotations

import asyncio
import time
import weakref
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from app.live.feed import Feeds
from app.live.render import last_entry_id, sse, tab_counts
from app.live.settings import LiveSettings

__all__ = ["LiveSettings", "Streams", "last_entry_id", "sse", "stream", "tab_counts"]


@dataclass
class Streams:
    """The open streams, so a shutdown (or a test) can end them all."""

    # Weak: a stream whose body never ran (the client left at once) does not linger.
    _stops: weakref.WeakSet[asyncio.Event] = field(default_factory=weakref.WeakSet)
    feeds: Feeds | None = None

    def open(self) -> asyncio.Event:
        stop = asyncio.Event()
        self._stops.add(stop)
        return stop

    def release(self, stop: asyncio.Event) -> None:
        self._stops.discard(stop)

    def close_all(self) -> None:
        for stop in list(self._stops):
            stop.set()
        if self.feeds is not None:
            self.feeds.wake_all()

    def __len__(self) -> int:
        return len(self._stops)


async def stream(
    *,
    feeds: Feeds,
    event_id: int,
    after: int | None,
    names: bool,
    settings: LiveSettings,
    stop: asyncio.Event,
) -> AsyncIterator[str]:
    """The event's changes after `after` (or from now), until stopped or `max_seconds`."""
    yield f"retry: {settings.retry_ms}\n\n"
    feed = feeds.get(event_id)
    sub = feed.subscribe(names=names, after=after)
    ends = time.monotonic() + settings.max_seconds
    try:
        while not stop.is_set() and not sub.closed:
            while sub.pending:
                yield sub.pending.popleft()
            left = ends - time.monotonic()
            if left <= 0:
                break
            sub.wake.clear()
            if sub.pending:
                continue
            try:
                await asyncio.wait_for(sub.wake.wait(), min(settings.heartbeat_seconds, left))
            except TimeoutError:
                if sub.joined and time.monotonic() < ends:
                    yield ": heartbeat\n\n"
    finally:
        await feeds.leave(feed, sub)
