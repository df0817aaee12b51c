"""The live stream: an event's changes as Server-Sent Events, resumable by audit entry id.

Every stream of an event is fed by the one feed of that event in this process (feed.py): the
stream itself never reads the database. Each change carries the current state of the
questions it touched, so a repeated or replayed event is harmless on the client.
"""

from __future__ import annotations

import asyncio
import time
import weakref
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from app.live.feed import Feeds
from app.live.render import last_entry_id, sse, tab_counts
from app.live.settings import GuardSettings, LiveSettings, SignedIn
from app.live.subscriber import Sink, Subscriber
from kit.clock import Clock

__all__ = ["LiveSettings", "Streams", "last_entry_id", "sse", "stream", "tab_counts"]


@dataclass
class Streams:
    """The open streams, so a shutdown (or a test) can end them all."""

    # Weak: a stream whose body never ran (the client left at once) does not linger.
    _stops: weakref.WeakSet[asyncio.Event] = field(default_factory=weakref.WeakSet)
    feeds: Feeds | None = None

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
    sink: Sink,
    guard: GuardSettings | None = None,
    signed_in: SignedIn | None = None,
    signed_in_at: datetime | None = None,
    clock: Clock | None = None,
) -> None:
    """Write the event's changes after `after` (or from now) to `sink`, until stopped or
    `max_seconds`; with a `signed_in` check, until the caller signs out (asked every
    `guard.recheck_seconds` of `clock`).

    The changes themselves are written by the event's feed as they come (subscriber.py): this
    task wakes only to greet, beat the heart, check the caller and end.
    """
    guard = guard or GuardSettings()
    feed = feeds.get(event_id)
    sub = feed.subscribe(names=names, after=after, sink=sink)
    # Before the greeting, which the feed sends in its next step.
    sub.send([f"retry: {settings.retry_ms}\n\n"], wake=False)
    # The stream's life counts from its greeting: a slow join (a long catch-up) costs none of it.
    ends: float | None = None
    recheck = timedelta(seconds=guard.recheck_seconds)
    checked = signed_in_at if signed_in_at is not None else (clock() if clock else None)
    try:
        while not stop.is_set() and not sub.closed:
            if ends is None and sub.joined:
                ends = time.monotonic() + settings.max_seconds
            left = ends - time.monotonic() if ends is not None else settings.heartbeat_seconds
            if left <= 0:
                break
            if signed_in is not None and clock is not None and checked is not None:
                if clock() - checked >= recheck:
                    checked = clock()
                    if not await signed_in():
                        sub.send([sse({"reason": "signed out"}, event="signedout")], wake=False)
                        return
            sub.wake.clear()
            # Wakes for a greeting, a stop, a heartbeat, or (with a sign-in to check) a look at
            # the clock.
            wait = min(settings.heartbeat_seconds, left)
            if signed_in is not None:
                wait = min(wait, guard.tick_seconds)
            try:
                async with asyncio.timeout(wait):
                    await sub.wake.wait()
            except TimeoutError:
                if ends is not None and time.monotonic() >= quiet_until(sub, settings):
                    sub.send([": heartbeat\n\n"], wake=False)
    finally:
        await feeds.leave(feed, sub)
        # What is left is the last word: a goodbye from the feed (database trouble), a
        # sign-out.
        await sub.finish()


def quiet_until(sub: Subscriber, settings: LiveSettings) -> float:
    """When a quiet stream is due its next heartbeat."""
    return sub.last_sent + settings.heartbeat_seconds
