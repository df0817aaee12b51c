"""The YouTube collector: follows each live event's YouTube sources and ingests their chat.

Per source: videos.list finds the stream's live chat (slowly re-checked until the stream
starts), then liveChatMessages.list is polled no faster than the API asks and no faster than
the day's quota allows (pacing.py). Each page is ingested in one transaction together with its
nextPageToken, so a restart resumes where the last committed page ended. The calls
themselves, off the event loop, are in api.py.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from collectors.asks import IncomingAsk
from collectors.ingest import Intake, ingest
from collectors.source_changes import hide_author, remove_ask
from collectors.youtube import pacing, store
from collectors.youtube.api import TRANSIENT, CallFailed, Verdict, YoutubeApi, judge
from collectors.youtube.parse import (
    Ban,
    ChatPage,
    Deletion,
    NewAsk,
    chat_page,
    stream_state,
    video_id,
)
from collectors.youtube.redact import protect, redact
from collectors.youtube.settings import YoutubeSettings
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


@dataclass
class _Source:
    source_id: int
    event_id: int
    video_id: str | None
    live_chat_id: str | None
    page_token: str | None
    state: SourceState
    reason: str | None
    include_moderators: bool
    planned_end_at: datetime | None
    live_since: datetime | None = None
    api_interval: float = 0.0
    interval: float | None = None
    last_poll_at: datetime | None = None
    offline_at: datetime | None = None
    failures: int = 0
    rate_factor: float = 1.0
    finished: bool = False  # ended or stopped for good: no task
    task: asyncio.Task[None] | None = field(default=None, repr=False)


class _Stop(Exception):
    """The source stops: `state` with `reason`; `retry_in` seconds later, or never."""

    def __init__(self, state: SourceState, reason: str, retry_in: float | None = None) -> None:
        super().__init__(reason)
        self.state, self.reason, self.retry_in = state, reason, retry_in


class _Gone(Exception):
    """The source's row was deleted while it was followed."""


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
        self._sources: dict[int, _Source] = {}
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
        tasks = [t for t in [self._supervisor, *(s.task for s in self._sources.values())] if t]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        # Transactions run to their end: a connection abandoned mid-transaction would keep
        # SQLite's write lock (and a PostgreSQL row lock) until the process exits.
        await asyncio.gather(*self._db_work, return_exceptions=True)
        self._supervisor = None
        for source in self._sources.values():
            source.task = None
        self._sources.clear()
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

    def _describe(self, source: _Source, now: datetime, left: int) -> dict[str, Any]:
        exhaustion = (
            pacing.projected_exhaustion(
                now=now, units_left=left, chats=self._polling_chats(), interval=source.interval
            )
            if source.state is SourceState.active
            else None
        )
        return {
            "source_id": source.source_id,
            "event_id": source.event_id,
            "platform": Platform.youtube.value,
            "video_id": source.video_id,
            "live_chat_id": source.live_chat_id,
            "state": source.state.value,
            "reason": source.reason,
            "units_used_today": self._ledger.used,
            "units_left_today": left,
            "interval_seconds": round(source.interval, 3) if source.interval is not None else None,
            "projected_exhaustion_at": _iso(exhaustion),
            "next_reset_at": pacing.next_reset(now).isoformat(),
            "last_poll_at": _iso(source.last_poll_at),
            "live_since": _iso(source.live_since),
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
        seen = set()
        for row in rows:
            seen.add(row.source_id)
            source = self._sources.get(row.source_id)
            if source is not None:
                source.include_moderators = row.include_moderators
                source.planned_end_at = row.planned_end_at
                continue
            source = _Source(
                source_id=row.source_id,
                event_id=row.event_id,
                video_id=row.video_id,
                live_chat_id=row.live_chat_id,
                page_token=row.page_token,
                state=row.state,
                reason=row.reason,
                include_moderators=row.include_moderators,
                planned_end_at=row.planned_end_at,
            )
            self._sources[row.source_id] = source
            if row.state is SourceState.ended:
                source.finished = True
            elif not self._key:
                source.finished = True
                await self._set_state(
                    source,
                    SourceState.stopped,
                    "no YouTube API key configured (LIVEQ_YOUTUBE_API_KEY)",
                )
            else:
                source.task = asyncio.create_task(
                    self._follow(source), name=f"youtube-source-{row.source_id}"
                )
        for source_id in set(self._sources) - seen:
            gone = self._sources.pop(source_id)
            if gone.task is not None:
                gone.task.cancel()
                await asyncio.gather(gone.task, return_exceptions=True)
            if gone.state in (SourceState.active, SourceState.waiting):
                # The event ended (or the source went): say nothing is being read any more.
                await self._guarded(
                    self._save_state(
                        gone, SourceState.waiting, "not collecting: the event is not live"
                    )
                )

    async def _follow(self, source: _Source) -> None:
        try:
            await self._follow_until_done(source)
        except asyncio.CancelledError:
            raise
        except _Gone:
            log.info("YouTube source %s was removed", source.source_id)
        except Exception as exc:
            log.exception("YouTube source %s failed", source.source_id)
            source.finished = True
            await self._set_state(
                source, SourceState.stopped, redact(f"internal error: {type(exc).__name__}")
            )

    async def _follow_until_done(self, source: _Source) -> None:
        try:
            source.video_id = video_id(source.video_id or "")
        except ValueError as exc:
            source.finished = True
            await self._set_state(source, SourceState.stopped, str(exc))
            return
        resolved = False
        while True:
            try:
                if not resolved:
                    delay = await self._resolve(source)
                    resolved = delay is None
                else:
                    delay = await self._poll(source)
            except _Stop as stop:
                await self._set_state(source, stop.state, stop.reason)
                if stop.retry_in is None:
                    source.finished = True
                    return
                delay = stop.retry_in
            except SQLAlchemyError as exc:
                # The page was not stored and its token not saved: the next poll reads it again.
                source.failures += 1
                delay = max(self._backoff(source), source.api_interval)
                log.warning(
                    "YouTube source %s: database error (%s); retrying in %.1f s",
                    source.source_id,
                    type(exc).__name__,
                    delay,
                )
            if delay:
                await self._sleep(delay)

    async def _resolve(self, source: _Source) -> float | None:
        """Find the live chat: None when found (poll now), else seconds until the next look."""
        assert source.video_id is not None
        api = self._api
        assert api is not None
        payload = await self._call(source, pacing.LIST_VIDEOS_COST, api.stream(source.video_id))
        if payload is None:
            return self._backoff(source)
        source.failures = 0
        state = stream_state(payload, video=source.video_id)
        now = self._clock()
        if not state.found:
            raise _Stop(
                SourceState.stopped,
                f"video {source.video_id} not found (private, deleted or mistyped?)",
            )
        if not state.live_stream:
            raise _Stop(SourceState.stopped, f"video {source.video_id} is not a live stream")
        if state.live_chat_id is not None:
            source.live_since = state.started_at or source.live_since or now
            if state.live_chat_id != source.live_chat_id:
                log.info("YouTube source %s: the stream is live", source.source_id)
                source.live_chat_id, source.page_token = state.live_chat_id, None
                await self._set_state(
                    source,
                    SourceState.active,
                    None,
                    live_chat_id=state.live_chat_id,
                    clear_token=True,
                )
            return None
        if state.ended:
            if source.live_chat_id is not None:
                return None  # read what is left; the chat answers liveChatEnded when drained
            raise _Stop(
                SourceState.ended, f"the stream ended at {state.ended_at:%Y-%m-%d %H:%M} UTC"
            )
        wait = self.settings.youtube_waiting_check_seconds
        await self._set_state(
            source,
            SourceState.waiting,
            f"the stream has not started yet; checking every {wait:g} s",
        )
        return wait

    async def _poll(self, source: _Source) -> float:
        """Read one page of the chat; returns the seconds to wait before the next."""
        assert source.live_chat_id is not None
        chat, api = source.live_chat_id, self._api
        assert api is not None
        payload = await self._call(
            source, pacing.LIST_MESSAGES_COST, api.messages(chat, source.page_token)
        )
        if payload is None:
            return max(self._backoff(source), source.api_interval)
        received = time.perf_counter()
        page = chat_page(payload, live_chat_id=chat, include_moderators=source.include_moderators)
        source.api_interval = page.polling_interval
        source.offline_at = page.offline_at
        asks = await self._guarded(self._apply(source, page))
        if self._on_page is not None:
            self._on_page(
                PageReport(source.source_id, page.messages, asks, received, time.perf_counter())
            )
        if page.ended:
            log.info("YouTube source %s: the live chat ended", source.source_id)
            raise _Stop(SourceState.ended, "the live chat ended")
        source.rate_factor = max(1.0, source.rate_factor / 2)
        return self._pace(source)

    def _pace(self, source: _Source) -> float:
        now = self._clock()
        end = pacing.planned_end(
            planned_end_at=source.planned_end_at,
            live_since=source.live_since or now,
            default_duration=self._default_duration,
        )
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
            api_interval=source.api_interval * source.rate_factor,
            end=end,
        )
        if interval is None:  # the next poll finds the budget empty and waits for the reset
            interval = source.api_interval
        source.interval = interval
        return interval

    def _waiting_streams(self) -> int:
        """Sources checked now and then for a stream that has not started (1 unit a check)."""
        return sum(
            1
            for s in self._sources.values()
            if s.live_chat_id is None and s.state is SourceState.waiting
        )

    def _polling_chats(self) -> int:
        return max(
            1,
            sum(
                1
                for s in self._sources.values()
                if s.live_chat_id is not None and s.state is SourceState.active
            ),
        )

    async def _apply(self, source: _Source, page: ChatPage) -> int:
        """Ingest a page and save its token, in one transaction. Returns the asks handed over."""
        assert source.live_chat_id is not None
        now = self._clock()
        asks = 0
        async with self._sessionmaker() as s, s.begin():
            batch: list[IncomingAsk] = []

            async def flush() -> None:
                if batch:
                    await ingest(s, intake=self._intake, event_id=source.event_id, asks=batch)
                    batch.clear()

            for intent in page.intents:
                if isinstance(intent, NewAsk):
                    batch.append(intent.ask)
                    asks += 1
                    continue
                await flush()  # in page order: a deletion may name a message just above it
                if isinstance(intent, Deletion):
                    await remove_ask(
                        s,
                        intake=self._intake,
                        event_ids=[source.event_id],
                        platform=Platform.youtube,
                        source_id=source.live_chat_id,
                        message_id=intent.message_id,
                    )
                elif isinstance(intent, Ban):
                    await hide_author(
                        s,
                        intake=self._intake,
                        event_id=source.event_id,
                        platform=Platform.youtube,
                        author_id=intent.author_id,
                    )
            await flush()
            state = SourceState.ended if page.ended else SourceState.active
            reason = "the live chat ended" if page.ended else None
            if not await store.set_source_state(
                s,
                source_id=source.source_id,
                state=state,
                reason=reason,
                now=now,
                live_chat_id=source.live_chat_id,
                page_token=page.next_page_token,
            ):
                raise _Gone(source.source_id)
        source.page_token = page.next_page_token or source.page_token
        source.state, source.reason = state, reason
        source.failures = 0
        return asks

    # -- calls ----------------------------------------------------------------------------------
    async def _call(
        self, source: _Source, cost: int, call: Coroutine[Any, Any, dict[str, Any]]
    ) -> dict[str, Any] | None:
        """One API call: None after a passing failure; _Stop when the source must stop."""
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
        source.last_poll_at = now
        try:
            return await call
        except CallFailed as failed:
            self._failed(source, failed)
            return None
        except TRANSIENT as exc:
            source.failures += 1
            log.warning(
                "YouTube source %s: network error (%s); backing off",
                source.source_id,
                type(exc).__name__,
            )
            return None

    def _failed(self, source: _Source, failed: CallFailed) -> None:
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
                source.rate_factor = min(source.rate_factor * 2, _RATE_LIMIT_FACTOR_CAP)
                log.warning(
                    "YouTube source %s: polled too fast; slowing down x%g",
                    source.source_id,
                    source.rate_factor,
                )
            case Verdict.restart_pages:
                log.warning(
                    "YouTube source %s: page token refused; reading from the latest page",
                    source.source_id,
                )
                source.page_token = None
            case Verdict.retry:
                source.failures += 1
                log.warning(
                    "YouTube source %s: server error %s; backing off",
                    source.source_id,
                    failed.error.status,
                )
            case Verdict.stop:
                log.error("YouTube source %s stopped: %s", source.source_id, judgement.reason)
                raise _Stop(SourceState.stopped, judgement.reason)

    def _backoff(self, source: _Source) -> float:
        """Exponential backoff with jitter after transient failures (and after rate limits)."""
        if source.failures == 0:
            return max(source.api_interval, 1.0) * source.rate_factor
        delay = min(_BACKOFF_CAP, _BACKOFF_BASE * 2 ** (source.failures - 1))
        return delay * self._rng.uniform(0.5, 1.0) + delay * 0.5

    async def _charge(self, units: int, now: datetime) -> None:
        # Charged before the call: YouTube counts refused requests too, and a crash between
        # the call and this write must not let the budget look larger than it is.
        async with self._quota_lock:
            self._ledger.charge(units, now)
            async with self._sessionmaker() as s, s.begin():
                await store.add_quota_units(s, day=pacing.pacific_day(now), units=units)

    async def _set_state(
        self, source: _Source, state: SourceState, reason: str | None, **saved: Any
    ) -> None:
        if source.state is state and source.reason == reason and not saved:
            return
        source.state, source.reason = state, reason
        if not await self._guarded(self._save_state(source, state, reason, **saved)):
            raise _Gone(source.source_id)

    async def _save_state(
        self, source: _Source, state: SourceState, reason: str | None, **saved: Any
    ) -> bool:
        async with self._sessionmaker() as s, s.begin():
            return await store.set_source_state(
                s,
                source_id=source.source_id,
                state=state,
                reason=reason,
                now=self._clock(),
                **saved,
            )


def _quota_reason(reset: datetime, daily_quota: int) -> str:
    return (
        f"YouTube API daily quota ({daily_quota} units) used up; no calls until the reset at "
        f"{reset.isoformat(timespec='minutes')} (midnight America/Los_Angeles)"
    )


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None
