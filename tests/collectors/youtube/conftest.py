"""The YouTube collector against the fake API, on virtual time shared by both."""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from collectors.youtube.run import YoutubeCollector
from collectors.youtube.settings import YoutubeSettings
from fakes.youtube import FakeChat, FakeYoutube
from intake.ingest import Intake
from kit.db import make_engine, make_sessionmaker
from kit.settings import DatabaseSettings
from models import Event, EventSource, EventStatus, Question, YoutubeQuotaDay
from tests.conftest import Databases
from tests.factories import make_event

KEY = "AIzaSyTEST-secret-key-0123456789abcdef"
# 10:00 in Los Angeles (PST): the quota resets 14 hours later, at 08:00 UTC.
START = datetime(2026, 2, 15, 18, 0, tzinfo=UTC)
VIDEO = "dQw4w9WgXcQ"


_Timer = tuple[datetime, int, asyncio.Future[None], asyncio.Task[Any] | None]


class VirtualTime:
    """A clock and a sleep: sleepers wake in deadline order, and time jumps to the next
    deadline only once the tasks it woke last have gone back to sleep (or finished), so
    virtual time does not run ahead of work still in flight (HTTP in threads, the database)."""

    def __init__(self, start: datetime) -> None:
        self.now = start
        self._timers: list[_Timer] = []
        self._seq = itertools.count()
        self.pause_when: Callable[[], bool] = lambda: False

    def clock(self) -> datetime:
        return self.now

    async def sleep(self, seconds: float) -> None:
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(
            self._timers,
            (
                self.now + timedelta(seconds=seconds),
                next(self._seq),
                future,
                asyncio.current_task(),
            ),
        )
        await future

    def _sleeping(self) -> set[asyncio.Task[Any]]:
        return {t for _, _, f, t in self._timers if t is not None and not f.done()}

    async def drive(self, settle: float = 2.0) -> None:
        """Jump to the next deadline whenever every collector task sleeps (or `settle` real
        seconds passed, in case one waits on something else)."""
        busy_since: float | None = None
        while True:
            await asyncio.sleep(0.001)
            if self.pause_when():
                continue
            sleeping = self._sleeping()
            busy = [
                t
                for t in asyncio.all_tasks()
                if t.get_name().startswith("youtube-") and not t.done() and t not in sleeping
            ]
            if busy:
                busy_since = busy_since or time.monotonic()
                if time.monotonic() - busy_since < settle:
                    continue
            busy_since = None
            while self._timers and self._timers[0][2].done():
                heapq.heappop(self._timers)
            if not self._timers:
                continue
            self.now = max(self.now, self._timers[0][0])
            while self._timers and self._timers[0][0] <= self.now:
                future = heapq.heappop(self._timers)[2]
                if not future.done():
                    future.set_result(None)


async def eventually(check: Callable[[], Awaitable[Any]], *, within: float = 10.0) -> Any:
    """Wait (real time) until `check()` returns something truthy."""
    deadline = time.monotonic() + within
    while True:
        result = await check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {within} s (last: {result!r})")
        await asyncio.sleep(0.01)


@dataclass
class World:
    vt: VirtualTime
    fake: FakeYoutube
    sessionmaker: async_sessionmaker[AsyncSession]
    intake: Intake
    collectors: list[YoutubeCollector] = field(default_factory=list)

    def settings(self, **overrides: Any) -> YoutubeSettings:
        values: dict[str, Any] = {
            "youtube_api_key": SecretStr(KEY),
            "youtube_api_endpoint": self.fake.url,
            "youtube_rescan_seconds": 600.0,
        }
        values.update(overrides)
        return YoutubeSettings(**values)

    async def start_collector(self, **overrides: Any) -> YoutubeCollector:
        collector = YoutubeCollector(
            self.settings(**overrides),
            self.sessionmaker,
            self.intake,
            clock=self.vt.clock,
            sleep=self.vt.sleep,
        )
        self.collectors.append(collector)
        await collector.start()
        return collector

    async def event(self, *videos: str, **options: Any) -> int:
        async with self.sessionmaker() as s, s.begin():
            event = await make_event(s, youtube_videos=videos or (VIDEO,), **options)
            return event.id

    async def questions(self, event_id: int) -> list[Question]:
        async with self.sessionmaker() as s:
            rows = await s.scalars(
                select(Question).where(Question.event_id == event_id).order_by(Question.id)
            )
            return list(rows)

    async def source(self, event_id: int) -> EventSource:
        async with self.sessionmaker() as s:
            row = await s.scalar(select(EventSource).where(EventSource.event_id == event_id))
            assert row is not None
            return row

    async def set_event(self, event_id: int, **values: Any) -> None:
        async with self.sessionmaker() as s, s.begin():
            event = await s.get(Event, event_id)
            assert event is not None
            for name, value in values.items():
                setattr(event, name, value)

    async def chat_reads(self, times: int) -> None:
        """Wait until the collector has read the live chats at least `times` times."""

        async def enough() -> bool:
            return len(self.fake.calls("/messages")) >= times

        await eventually(enough)

    def chat(self, video: str = VIDEO) -> FakeChat:
        return self.fake.videos[video].chat


@pytest.fixture(scope="module")
def youtube_db(databases: Databases) -> DatabaseSettings:
    """One migrated database per module and backend: migrating one per test costs seconds
    on PostgreSQL. `world` resets what the collector reads before each test."""
    return databases.new()


async def _reset(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    # The collector follows every live event and counts today's quota: earlier tests'
    # events end and their units go, so no test sees another's.
    async with sessionmaker() as s, s.begin():
        await s.execute(
            update(Event).where(Event.status == EventStatus.live).values(status=EventStatus.ended)
        )
        await s.execute(delete(YoutubeQuotaDay))


@pytest.fixture
async def world(youtube_db: DatabaseSettings) -> AsyncIterator[World]:
    vt = VirtualTime(START)
    fake = FakeYoutube(api_key=KEY, clock=vt.clock)
    await fake.start()
    engine = make_engine(youtube_db)
    await _reset(make_sessionmaker(engine))
    driver = asyncio.create_task(vt.drive())
    w = World(
        vt=vt, fake=fake, sessionmaker=make_sessionmaker(engine), intake=Intake(clock=vt.clock)
    )
    try:
        yield w
    finally:
        for collector in w.collectors:
            await collector.stop()
        driver.cancel()
        await asyncio.gather(driver, return_exceptions=True)
        await fake.stop()
        await engine.dispose()
