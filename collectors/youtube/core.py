"""The YouTube collector's shared state: what it follows, and how a source's state is saved.

The collector is built in layers, each in a module of its own: this core, the quota and pace
(budget.py), following one chat (follow.py), and supervising the live events' sources (run.py).
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from collectors.youtube import pacing, store
from collectors.youtube.api import YoutubeApi
from collectors.youtube.readers import Reader, Source
from collectors.youtube.redact import protect
from collectors.youtube.settings import YoutubeSettings
from intake.ingest import Intake
from intake.suggest_later import SuggestLater
from kit.clock import Clock, utcnow
from kit.wakeups import SourceWatch
from models import SourceState

Sleep = Callable[[float], Awaitable[Any]]
T = TypeVar("T")


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


class CollectorCore:
    """State shared by the collector's layers, and saving the sources' states."""

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
        self._waker: asyncio.Task[None] | None = None
        self._watch: SourceWatch | None = None
        self._scanning = asyncio.Lock()  # one scan at a time: the rescan and the wake-ups
        self._db_work: set[asyncio.Future[Any]] = set()
        self._default_duration = timedelta(minutes=settings.youtube_default_duration_minutes)
        # A page is on the critical path of the next read: suggestions wait for its commit.
        self.suggest_later = SuggestLater(sessionmaker, clock=intake.clock)
        # Videos whose last page was full (more may be waiting): suggestions wait for them.
        self._behind: set[str] = set()

    async def _guarded(self, work: Awaitable[T]) -> T:
        """Database work that a cancelled follower does not cut short (stop() waits for it)."""
        future = asyncio.ensure_future(work)
        self._db_work.add(future)
        future.add_done_callback(self._db_work.discard)
        return await asyncio.shield(future)

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
