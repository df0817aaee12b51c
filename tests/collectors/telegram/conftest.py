"""Fixtures for the Telegram collector: the fake Bot API server and a database of the test's own."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from collectors.telegram.run import TelegramCollector
from collectors.telegram.settings import TelegramSettings
from fakes.telegram import FakeTelegram
from intake.ingest import Intake
from kit.clock import Clock, utcnow
from kit.db import make_engine, make_sessionmaker
from kit.migrate import upgrade_to_head
from kit.settings import DatabaseSettings


class Sleeps:
    """An injected sleep: records each delay and returns at once."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        import asyncio

        self.delays.append(delay)
        await asyncio.sleep(0)


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as server:
        yield server


@pytest.fixture
async def db(fresh_db: DatabaseSettings) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """A sessionmaker on a migrated database of this test's own (real commits)."""
    engine = make_engine(fresh_db)
    yield make_sessionmaker(engine)
    await engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("telegram") / "template.db"
    upgrade_to_head(DatabaseSettings(database_url=f"sqlite+aiosqlite:///{path}"))
    return path


@pytest.fixture
async def any_db(
    sqlite_template: Path, tmp_path: Path
) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """A migrated SQLite database of this test's own, for tests of the Telegram protocol whose
    outcome cannot depend on the database backend (run once, not once per backend)."""
    path = tmp_path / "db.db"
    shutil.copyfile(sqlite_template, path)
    engine = make_engine(DatabaseSettings(database_url=f"sqlite+aiosqlite:///{path}"))
    yield make_sessionmaker(engine)
    await engine.dispose()


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


CollectorFactory = Callable[..., Awaitable[TelegramCollector]]


@pytest.fixture
async def collector(
    fake: FakeTelegram, db: async_sessionmaker[AsyncSession], sleeps: Sleeps
) -> AsyncIterator[CollectorFactory]:
    """Makes started collectors against the fake server; all are stopped at the end."""
    async for make in _collectors(fake, db, sleeps):
        yield make


@pytest.fixture
async def protocol_collector(
    fake: FakeTelegram, any_db: async_sessionmaker[AsyncSession], sleeps: Sleeps
) -> AsyncIterator[CollectorFactory]:
    """Like `collector`, on one SQLite database: for start-up and error-path tests."""
    async for make in _collectors(fake, any_db, sleeps):
        yield make


async def _collectors(
    fake: FakeTelegram, db: async_sessionmaker[AsyncSession], sleeps: Sleeps
) -> AsyncIterator[CollectorFactory]:
    made: list[TelegramCollector] = []

    async def make(
        *,
        token: str | None = None,
        intake: Intake | None = None,
        sessionmaker: Any = None,
        clock: Clock = utcnow,
        **settings: Any,
    ) -> TelegramCollector:
        values: dict[str, Any] = {
            "telegram_bot_token": SecretStr(token or fake.token),
            "telegram_api_url": fake.base_url,
            "telegram_poll_timeout": 2,
            **settings,
        }
        c = TelegramCollector(
            TelegramSettings(**values),
            sessionmaker or db,
            intake or Intake(),
            clock=clock,
            sleep=sleeps,
            jitter=lambda: 1.0,
        )
        made.append(c)
        await c.start()
        return c

    yield make
    for c in made:
        await c.stop()


def running(status: dict[str, Any]) -> bool:
    return status["state"] == "running"


def processed(n: int) -> Callable[[dict[str, Any]], bool]:
    return lambda status: status["updates_processed"] >= n
