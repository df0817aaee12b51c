"""The YouTube collector: follows each live event's YouTube sources and ingests their chat.

One reader per video, however many live events list it: videos.list finds the stream's live
chat (slowly re-checked until the stream starts), then liveChatMessages.list is polled no
faster than the API asks and no faster than the day's quota allows (pacing.py). Each page is
ingested into every event that lists the video, each with its own options, in one transaction
together with its nextPageToken saved on each of those sources, so a restart resumes where the
last committed page ended. The calls themselves, off the event loop, are in api.py.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from collectors.youtube import pacing, store
from collectors.youtube.api import TRANSIENT, CallFailed, Verdict, YoutubeApi, judge
from collectors.youtube.parse import (
    ChatPage,
    chat_page,
    stream_state,
    video_id,
)
from collectors.youtube.process import ingest_page
from collectors.youtube.readers import Reader, Source, any_member, resume_point, video_key
from collectors.youtube.redact import protect, redact
from collectors.youtube.settings import YoutubeSettings
from intake.ingest import Intake
from kit.clock import Clock, utcnow
from models import Platform, SourceState

log = logging.getLogger("collectors.youtube")

Sleep = Callable[[float], Awaitable[Any]]
T = TypeVar("T")
_BACKOFF_BASE = 1.0
_BACKOFF_CAP = 120.0
_RATE_LIMIT_FACTOR_CAP = 16.0


@dataclass(frozen=True, slots=True)
class PageReport:
    """One committed page, for metrics and benchmarks (perf_counter seconds)."""

    source_id: int
    messages: int
    asks: int
    received_at: float
    committed_at: float


class _Stop(Exception):
    """The source stops: `state` with `reason`; `retry_in` seconds later, or never."""

    def __init__(self, state: SourceState, reason: str, retry_in: float | None = None) -> None:
        super().__init__(reason)
        self.state, self.reason, self.retry_in = state, reason, retry_in


class _Gone(Exception):
    """These sources' rows were deleted while they were read."""

    def __init__(self, source_ids: list[int]) -> None:
        super().__init__(source_ids)
        self.source_ids = source_ids


class YoutubeCollector:
    """Follows the YouTube sources of every live event; `start()`, `stop()`, `status()`."""

    def __init__(
        self,
        settings: YoutubeSettings,
        sessionmaker: async_sessionmaker[AsyncSession],
        intake: Intake,
        *,
        clock: Clock = utcnow,
        sleep: Sleep = asyncio.sleep,
        rng: random.Random | None = None,
        on_page: Callable[[PageReport], None] | None = None,
    ) -> None:
        self.settings = settings
        self._sessionmaker = sessionmaker
        self._intake = intake
        self._clock = clock
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._on_page = on_page
        key = settings.youtube_api_key
        self._key = key.get_secret_value() if key is not None else None
        if self._key:
            protect(self._key)
        self._ledger = pacing.QuotaLedger(settings.youtube_daily_quota)
        self._quota_lock = asyncio.Lock()
        self._sources: dict[int, Source] = {}
        self._readers: dict[str, Reader] = {}  # by video id; finished ones until replaced
        self._api: YoutubeApi | None = None
        self._supervisor: asyncio.Task[None] | None = None
        self._db_work: set[asyncio.Future[Any]] = set()
        self._default_duration = timedelta(minutes=settings.youtube_default_duration_minutes)

    # -- lifecycle ------------------------------------------------------------------------------
    async def start(self) -> None:
        """Load today's quota spent, pick up live events' sources, and keep rescanning."""
        if self._supervisor is not None:
            return
        if self._key:
            self._api = YoutubeApi(self.settings, self._key)
        now = self._clock()
        self._ledger.roll(now)
        async with self._sessionmaker() as s:
            self._ledger.used = await store.quota_units(s, day=pacing.pacific_day(now))
        if not self._key:
            log.warning("YouTube collector: LIVEQ_YOUTUBE_API_KEY is not set; not polling")
        await self._scan()
        self._supervisor = asyncio.create_task(self._supervise(), name="youtube-supervisor")

    async def stop(self) -> None:
        """Stop every poll; a page being stored is stored first (stop waits for it)."""
        readers = self._readers.values()
        tasks = [t for t in [self._supervisor, *(r.task for r in readers)] if t]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        # Transactions run to their end: a connection abandoned mid-transaction would keep
        # SQLite's write lock (and a PostgreSQL row lock) until the process exits.
        await asyncio.gather(*self._db_work, return_exceptions=True)
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
        while True:
            await self._sleep(self.settings.youtube_rescan_seconds)
            try:
                await self._scan()
            except Exception:
                log.exception("YouTube collector: rescanning live events failed")

    async def _guarded(self, work: Awaitable[T]) -> T:
        """Database work that a cancelled follower does not cut short (stop() waits for it)."""
        future = asyncio.ensure_future(work)
        self._db_work.add(future)
        future.add_done_callback(self._db_work.discard)
        return await asyncio.shield(future)

    async def _live_sources(self) -> list[store.SourceRow]:
        async with self._sessionmaker() as s:
            return await store.live_youtube_sources(s)

    async def _scan(self) -> None:
        rows = await self._guarded(self._live_sources())
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
        for source_id in set(self._sources) - {row.source_id for row in rows}:
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

    async def _follow(self, reader: Reader) -> None:
        try:
            await self._follow_until_done(reader)
        except asyncio.CancelledError:
            raise
        except _Gone:
            log.info("YouTube video %s: its sources were removed", reader.video_id)
        except Exception as exc:
            log.exception("YouTube video %s failed", reader.video_id)
            await self._set_state(
                reader, SourceState.stopped, redact(f"internal error: {type(exc).__name__}")
            )
        finally:
            reader.finished = True

    async def _follow_until_done(self, reader: Reader) -> None:
        try:
            reader.video_id = video_id(reader.video_id)
        except ValueError as exc:
            await self._set_state(reader, SourceState.stopped, str(exc))
            return
        resolved = False
        while True:
            try:
                if not resolved:
                    delay = await self._resolve(reader)
                    resolved = delay is None
                else:
                    delay = await self._poll(reader)
            except _Stop as stop:
                await self._set_state(reader, stop.state, stop.reason)
                if stop.retry_in is None:
                    return
                delay = stop.retry_in
            except _Gone as gone:
                # Not stored: the members left read the same page again.
                for source_id in gone.source_ids:
                    reader.members.pop(source_id, None)
                if not reader.members:
                    raise
                delay = reader.api_interval
            except SQLAlchemyError as exc:
                # The page was not stored and its token not saved: the next poll reads it again.
                reader.failures += 1
                delay = max(self._backoff(reader), reader.api_interval)
                log.warning(
                    "YouTube video %s: database error (%s); retrying in %.1f s",
                    reader.video_id,
                    type(exc).__name__,
                    delay,
                )
            if delay:
                await self._sleep(delay)

    async def _resolve(self, reader: Reader) -> float | None:
        """Find the live chat: None when found (poll now), else seconds until the next look."""
        api = self._api
        assert api is not None
        payload = await self._call(reader, pacing.LIST_VIDEOS_COST, api.stream(reader.video_id))
        if payload is None:
            return self._backoff(reader)
        reader.failures = 0
        state = stream_state(payload, video=reader.video_id)
        now = self._clock()
        if not state.found:
            raise _Stop(
                SourceState.stopped,
                f"video {reader.video_id} not found (private, deleted or mistyped?)",
            )
        if not state.live_stream:
            raise _Stop(SourceState.stopped, f"video {reader.video_id} is not a live stream")
        if state.live_chat_id is not None:
            reader.live_since = state.started_at or reader.live_since or now
            if state.live_chat_id != reader.live_chat_id:
                log.info("YouTube video %s: the stream is live", reader.video_id)
                reader.live_chat_id, reader.page_token = state.live_chat_id, None
                await self._set_state(
                    reader,
                    SourceState.active,
                    None,
                    live_chat_id=state.live_chat_id,
                    clear_token=True,
                )
            return None
        if state.ended:
            if reader.live_chat_id is not None:
                return None  # read what is left; the chat answers liveChatEnded when drained
            raise _Stop(
                SourceState.ended, f"the stream ended at {state.ended_at:%Y-%m-%d %H:%M} UTC"
            )
        wait = self.settings.youtube_waiting_check_seconds
        await self._set_state(
            reader,
            SourceState.waiting,
            f"the stream has not started yet; checking every {wait:g} s",
        )
        return wait

    async def _poll(self, reader: Reader) -> float:
        """Read one page of the chat for every member; returns the seconds to wait before the
        next."""
        assert reader.live_chat_id is not None
        chat, api = reader.live_chat_id, self._api
        assert api is not None
        payload = await self._call(
            reader, pacing.LIST_MESSAGES_COST, api.messages(chat, reader.page_token)
        )
        if payload is None:
            return max(self._backoff(reader), reader.api_interval)
        received = time.perf_counter()
        members = reader.by_event()
        # Parsed once per option value: include_moderators is the one option parsing reads.
        parsed = {
            flag: chat_page(payload, live_chat_id=chat, include_moderators=flag)
            for flag in {m.include_moderators for m in members}
        }
        pages = [(member, parsed[member.include_moderators]) for member in members]
        page = pages[0][1]  # what does not depend on the options: interval, token, end
        reader.api_interval = page.polling_interval
        reader.offline_at = page.offline_at
        asks = await self._guarded(self._apply(reader, pages))
        if self._on_page is not None:
            self._on_page(
                PageReport(members[0].source_id, page.messages, asks, received, time.perf_counter())
            )
        if page.ended:
            log.info("YouTube video %s: the live chat ended", reader.video_id)
            raise _Stop(SourceState.ended, "the live chat ended")
        reader.rate_factor = max(1.0, reader.rate_factor / 2)
        return self._pace(reader)

    def _pace(self, reader: Reader) -> float:
        now = self._clock()
        end = self._planned_end(reader, now)
        left = self._ledger.left(now)
        reserve = pacing.waiting_reserve(
            now=now,
            until=end if end > now else now + pacing.OVERRUN_HORIZON,
            waiting=self._waiting_streams(),
            check_every=self.settings.youtube_waiting_check_seconds,
            units_left=left,
        )
        interval = pacing.poll_interval(
            now=now,
            units_left=left - reserve,
            chats=self._polling_chats(),
            api_interval=reader.api_interval * reader.rate_factor,
            end=end,
        )
        if interval is None:  # the next poll finds the budget empty and waits for the reset
            interval = reader.api_interval
        reader.interval = interval
        return interval

    def _planned_end(self, reader: Reader, now: datetime) -> datetime:
        """The chat is read until the last of its events is planned to end."""
        return max(
            (
                pacing.planned_end(
                    planned_end_at=member.planned_end_at,
                    live_since=reader.live_since or now,
                    default_duration=self._default_duration,
                )
                for member in reader.members.values()
            ),
            default=(reader.live_since or now) + self._default_duration,
        )

    def _waiting_streams(self) -> int:
        """Streams checked now and then because they have not started (1 unit a check)."""
        return sum(
            1
            for r in self._readers.values()
            if r.live_chat_id is None and any_member(r, SourceState.waiting)
        )

    def _polling_chats(self) -> int:
        """Chats being read, each once however many events list it."""
        return max(
            1,
            sum(
                1
                for r in self._readers.values()
                if r.live_chat_id is not None and any_member(r, SourceState.active)
            ),
        )

    async def _apply(self, reader: Reader, pages: list[tuple[Source, ChatPage]]) -> int:
        """Ingest a page into each member's event and save its token on each member's source,
        in one transaction. Returns the asks handed over."""
        assert reader.live_chat_id is not None
        page = pages[0][1]
        state = SourceState.ended if page.ended else SourceState.active
        reason = "the live chat ended" if page.ended else None
        now = self._clock()
        asks = 0
        async with self._sessionmaker() as s, s.begin():
            for member, member_page in pages:
                asks += await ingest_page(
                    s,
                    intake=self._intake,
                    event_id=member.event_id,
                    live_chat_id=reader.live_chat_id,
                    page=member_page,
                )
            gone = [
                member.source_id
                for member, _ in pages
                if not await store.set_source_state(
                    s,
                    source_id=member.source_id,
                    state=state,
                    reason=reason,
                    now=now,
                    live_chat_id=reader.live_chat_id,
                    page_token=page.next_page_token,
                )
            ]
            if gone:
                raise _Gone(gone)  # rolled back: not stored into an event that dropped the video
        reader.page_token = page.next_page_token or reader.page_token
        for member, _ in pages:
            member.state, member.reason = state, reason
        reader.failures = 0
        return asks

    # -- calls ----------------------------------------------------------------------------------
    async def _call(
        self, reader: Reader, cost: int, call: Coroutine[Any, Any, dict[str, Any]]
    ) -> dict[str, Any] | None:
        """One API call, charged once: None after a passing failure; _Stop to stop the reader."""
        now = self._clock()
        try:
            if self._ledger.left(now) < cost:
                reset = self._ledger.exhausted_until or pacing.next_reset(now)
                raise _Stop(
                    SourceState.stopped,
                    _quota_reason(reset, self._ledger.daily_quota),
                    retry_in=max((reset - now).total_seconds(), 1.0),
                )
            await self._guarded(self._charge(cost, now))
        except BaseException:
            call.close()  # never awaited: no call made
            raise
        reader.last_poll_at = now
        try:
            return await call
        except CallFailed as failed:
            self._failed(reader, failed)
            return None
        except TRANSIENT as exc:
            reader.failures += 1
            log.warning(
                "YouTube video %s: network error (%s); backing off",
                reader.video_id,
                type(exc).__name__,
            )
            return None

    def _failed(self, reader: Reader, failed: CallFailed) -> None:
        """Act on an error answer: return to try again later, raise _Stop to stop."""
        now = self._clock()
        judgement = judge(failed.error)
        match judgement.verdict:
            case Verdict.ended:
                raise _Stop(SourceState.ended, judgement.reason)
            case Verdict.quota:
                self._ledger.exhausted(now)
                reset = pacing.next_reset(now)
                log.warning("YouTube: daily quota exhausted; no calls until %s", reset.isoformat())
                raise _Stop(
                    SourceState.stopped,
                    _quota_reason(reset, self._ledger.daily_quota),
                    retry_in=max((reset - now).total_seconds(), 1.0),
                )
            case Verdict.slow_down:
                reader.rate_factor = min(reader.rate_factor * 2, _RATE_LIMIT_FACTOR_CAP)
                log.warning(
                    "YouTube video %s: polled too fast; slowing down x%g",
                    reader.video_id,
                    reader.rate_factor,
                )
            case Verdict.restart_pages:
                log.warning(
                    "YouTube video %s: page token refused; reading from the latest page",
                    reader.video_id,
                )
                reader.page_token = None
            case Verdict.retry:
                reader.failures += 1
                log.warning(
                    "YouTube video %s: server error %s; backing off",
                    reader.video_id,
                    failed.error.status,
                )
            case Verdict.stop:
                log.error("YouTube video %s stopped: %s", reader.video_id, judgement.reason)
                raise _Stop(SourceState.stopped, judgement.reason)

    def _backoff(self, reader: Reader) -> float:
        """Exponential backoff with jitter after transient failures (and after rate limits)."""
        if reader.failures == 0:
            return max(reader.api_interval, 1.0) * reader.rate_factor
        delay = min(_BACKOFF_CAP, _BACKOFF_BASE * 2 ** (reader.failures - 1))
        return delay * self._rng.uniform(0.5, 1.0) + delay * 0.5

    async def _charge(self, units: int, now: datetime) -> None:
        # Charged before the call: YouTube counts refused requests too, and a crash between
        # the call and this write must not let the budget look larger than it is.
        async with self._quota_lock:
            self._ledger.charge(units, now)
            async with self._sessionmaker() as s, s.begin():
                await store.add_quota_units(s, day=pacing.pacific_day(now), units=units)

    async def _set_state(
        self, reader: Reader, state: SourceState, reason: str | None, **saved: Any
    ) -> None:
        """Show and save the state of every member; a member whose row went is dropped, and
        _Gone is raised when none is left."""
        changed = [m for m in reader.members.values() if m.state is not state or m.reason != reason]
        if saved:
            changed = list(reader.members.values())
        if not changed:
            return
        for member in changed:
            member.state, member.reason = state, reason
        ids = [member.source_id for member in changed]
        gone = await self._guarded(self._save_states(ids, state, reason, **saved))
        for source_id in gone:
            reader.members.pop(source_id, None)
        if not reader.members:
            raise _Gone(gone)

    async def _save_states(
        self, source_ids: list[int], state: SourceState, reason: str | None, **saved: Any
    ) -> list[int]:
        """Save one state on these sources, in one transaction; returns those whose row went."""
        gone = []
        async with self._sessionmaker() as s, s.begin():
            for source_id in sorted(source_ids):
                if not await store.set_source_state(
                    s, source_id=source_id, state=state, reason=reason, now=self._clock(), **saved
                ):
                    gone.append(source_id)
        return gone


def _quota_reason(reset: datetime, daily_quota: int) -> str:
    return (
        f"YouTube API daily quota ({daily_quota} units) used up; no calls until the reset at "
        f"{reset.isoformat(timespec='minutes')} (midnight America/Los_Angeles)"
    )


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None
