"""The YouTube collector: follows each live event's YouTube sources and ingests their chat.

One reader per video, however many live events list it: videos.list finds the stream's live
chat (slowly re-checked until the stream starts), then liveChatMessages.list is polled no
faster than the API asks and no faster than the day's quota allows (pacing.py). Each page is
ingested into every event that lists the video, each with its own options, in one transaction
together with its nextPageToken saved on each of those sources, so a restart resumes where the
last committed page ended. The calls themselves, off the event loop, are in api.py.

Sources are followed as they change: an event created, edited or ended wakes the collector at
once (kit/wakeups.py: in this process, or through NOTIFY from another), and only that event's
sources are read again; a full rescan every few minutes is the safety net.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import Any

from collectors.youtube import pacing, store
from collectors.youtube.api import YoutubeApi
from collectors.youtube.core import PageReport
from collectors.youtube.follow import ChatFollower
from collectors.youtube.readers import Reader, Source, resume_point, video_key
from kit.wakeups import SourceWatch, Wakeups
from models import Platform, SourceState

log = logging.getLogger("collectors.youtube")

__all__ = ["PageReport", "YoutubeCollector"]


class YoutubeCollector(ChatFollower):
    """Follows the YouTube sources of every live event; `start()`, `stop()`, `status()`."""

    # -- lifecycle ------------------------------------------------------------------------------
    async def start(self) -> None:
        """Load today's quota spent, pick up live events' sources, and follow their changes
        (woken at once by a change, rescanning slowly as a safety net)."""
        if self._supervisor is not None:
            return
        # Listening before the first scan: a change committed in between is not missed.
        self._watch = SourceWatch(self._sessionmaker)
        wakeups = await self._watch.start()
        if self._key:
            self._api = YoutubeApi(self.settings, self._key)
        now = self._clock()
        self._ledger.roll(now)
        async with self._sessionmaker() as s:
            self._ledger.used = await store.quota_units(s, day=pacing.pacific_day(now))
        if not self._key:
            log.warning("YouTube collector: LIVEQ_YOUTUBE_API_KEY is not set; not polling")
        self.suggest_later.start(self._intake)
        await self._scan()
        self._supervisor = asyncio.create_task(self._supervise(), name="youtube-supervisor")
        # Not named youtube-…: it waits on wake-ups, not on the collector's clock.
        self._waker = asyncio.create_task(self._wake_on_changes(wakeups), name="wake-youtube")

    async def stop(self) -> None:
        """Stop every poll; a page being stored is stored first (stop waits for it)."""
        readers = self._readers.values()
        tasks = [t for t in [self._supervisor, self._waker, *(r.task for r in readers)] if t]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._watch is not None:
            await self._watch.stop()
            self._watch = None
        self._waker = None
        # Transactions run to their end: a connection abandoned mid-transaction would keep
        # SQLite's write lock (and a PostgreSQL row lock) until the process exits.
        await asyncio.gather(*self._db_work, return_exceptions=True)
        await self.suggest_later.stop()
        self._supervisor = None
        for reader in self._readers.values():
            reader.task = None
        self._sources.clear()
        self._readers.clear()
        if self._api is not None:
            self._api.close()
            self._api = None

    # -- status ---------------------------------------------------------------------------------
    def status(self) -> dict[str, Any]:
        """JSON-able: the quota and every followed source."""
        now = self._clock()
        left = self._ledger.left(now)
        return {
            "running": self._supervisor is not None,
            "api_key_configured": bool(self._key),
            "quota": {
                "day": self._ledger.day.isoformat() if self._ledger.day else None,
                "daily_quota": self._ledger.daily_quota,
                "units_used": self._ledger.used,
                "units_left": left,
                "next_reset_at": pacing.next_reset(now).isoformat(),
                "exhausted_until": _iso(self._ledger.exhausted_until),
            },
            "sources": [self._describe(s, now, left) for s in self._sources.values()],
        }

    def source_status(self, event_id: int) -> list[dict[str, Any]]:
        """The followed YouTube sources of one event (empty when the event is not live)."""
        now = self._clock()
        left = self._ledger.left(now)
        return [
            self._describe(s, now, left) for s in self._sources.values() if s.event_id == event_id
        ]

    def _describe(self, source: Source, now: datetime, left: int) -> dict[str, Any]:
        reader = source.reader
        exhaustion = (
            pacing.projected_exhaustion(
                now=now, units_left=left, chats=self._polling_chats(), interval=reader.interval
            )
            if source.state is SourceState.active
            else None
        )
        return {
            "source_id": source.source_id,
            "event_id": source.event_id,
            "platform": Platform.youtube.value,
            "video_id": reader.video_id,
            "live_chat_id": reader.live_chat_id,
            "state": source.state.value,
            "reason": source.reason,
            "units_used_today": self._ledger.used,
            "units_left_today": left,
            "interval_seconds": round(reader.interval, 3) if reader.interval is not None else None,
            "projected_exhaustion_at": _iso(exhaustion),
            "next_reset_at": pacing.next_reset(now).isoformat(),
            "last_poll_at": _iso(reader.last_poll_at),
            "live_since": _iso(reader.live_since),
        }

    # -- sources --------------------------------------------------------------------------------
    async def _supervise(self) -> None:
        """The safety net: a full rescan now and then, whatever the wake-ups said."""
        while True:
            await self._sleep(self.settings.youtube_rescan_seconds)
            try:
                await self._scan()
            except Exception:
                log.exception("YouTube collector: rescanning live events failed")

    async def _wake_on_changes(self, wakeups: Wakeups) -> None:
        """Re-read the events whose sources changed, as soon as they commit."""
        failures = 0
        while True:
            changed = await wakeups.next()
            try:
                await self._scan(changed)
                failures = 0
            except Exception:
                log.exception("YouTube collector: reading changed events failed")
                # Try again (everything: what failed is not known), pausing longer each time.
                failures += 1
                await asyncio.sleep(min(2.0**failures, 60.0))
                wakeups.resync()

    async def _live_sources(self, event_ids: set[int] | None) -> list[store.SourceRow]:
        async with self._sessionmaker() as s:
            return await store.live_youtube_sources(s, event_ids=event_ids)

    async def _scan(self, event_ids: set[int] | None = None) -> None:
        """Follow the live events' YouTube sources as they are now: all of them, or only those
        of `event_ids` (what a wake-up names)."""
        async with self._scanning:
            await self._scan_now(event_ids)

    async def _scan_now(self, event_ids: set[int] | None) -> None:
        if event_ids is not None and not event_ids:
            return
        rows = await self._guarded(self._live_sources(event_ids))
        new: dict[str, list[store.SourceRow]] = {}
        for row in rows:
            source = self._sources.get(row.source_id)
            if source is None:
                new.setdefault(video_key(row.video_id), []).append(row)
            else:
                source.include_moderators = row.include_moderators
                source.planned_end_at = row.planned_end_at
        # New sources first: a video whose last event ends as another starts is not dropped.
        for key, group in new.items():
            await self._adopt(key, group)
        known = {
            source_id
            for source_id, source in self._sources.items()
            if event_ids is None or source.event_id in event_ids
        }
        for source_id in known - {row.source_id for row in rows}:
            await self._drop(self._sources.pop(source_id))

    async def _adopt(self, key: str, rows: list[store.SourceRow]) -> None:
        """Follow new sources of one video: they join its reader if one is reading (from its
        next page on), else a new reader starts for them."""
        for row in rows:
            if row.state is SourceState.ended:  # an ended chat is never read again
                self._add(Reader(key, row.live_chat_id, row.page_token, finished=True), row)
        rows = [row for row in rows if row.state is not SourceState.ended]
        if not rows:
            return
        reader = self._readers.get(key)
        if reader is None or reader.finished:
            reader = Reader(key, *resume_point(rows))
            if self._key:
                self._readers[key] = reader
                reader.task = asyncio.create_task(self._follow(reader), name=f"youtube-{key}")
            else:
                reader.finished = True
        for row in rows:
            self._add(reader, row)
        if not self._key:
            await self._set_state(
                reader, SourceState.stopped, "no YouTube API key configured (LIVEQ_YOUTUBE_API_KEY)"
            )

    def _add(self, reader: Reader, row: store.SourceRow) -> None:
        source = Source(
            source_id=row.source_id,
            event_id=row.event_id,
            state=row.state,
            reason=row.reason,
            include_moderators=row.include_moderators,
            planned_end_at=row.planned_end_at,
            reader=reader,
        )
        reader.members[row.source_id] = source
        self._sources[row.source_id] = source

    async def _drop(self, gone: Source) -> None:
        """A source no longer followed (its event ended, or it was removed); its reader goes on
        while another event lists the video."""
        reader = gone.reader
        reader.members.pop(gone.source_id, None)
        if not reader.members:
            if self._readers.get(reader.video_id) is reader:
                del self._readers[reader.video_id]
            if reader.task is not None:
                reader.task.cancel()
                await asyncio.gather(reader.task, return_exceptions=True)
        # A page already on its way to the database may still name this source: let it land
        # first, so the state written below is the last word.
        await asyncio.gather(*self._db_work, return_exceptions=True)
        if gone.state in (SourceState.active, SourceState.waiting):
            # The event ended (or the source went): say nothing is being read any more.
            await self._guarded(
                self._save_states(
                    [gone.source_id], SourceState.waiting, "not collecting: the event is not live"
                )
            )


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None
