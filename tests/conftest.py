"""Shared fixtures: every database test runs on SQLite and, when configured, PostgreSQL.

Each run (and each xdist worker) gets its own SQLite file and its own PostgreSQL schema, built
with `alembic upgrade head`, so migrations are tested and runs never see each other's rows.
Each test runs in a transaction rolled back at its end (`sessionmaker`), or, for tests that need
real concurrent connections (collectors beside the API), on a database of its own (`fresh_db`).
"""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from kit.db import make_engine
from kit.migrate import upgrade_to_head
from kit.settings import DatabaseSettings

PG_URL = os.environ.get("LIVEQ_TEST_POSTGRES_URL")
BACKENDS = ["sqlite", "postgres"] if PG_URL else ["sqlite"]


def _pg_exec(sql: str) -> None:
    import asyncpg

    async def run() -> None:
        assert PG_URL is not None
        conn = await asyncpg.connect(PG_URL.replace("postgresql+asyncpg://", "postgresql://"))
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(run())


class Databases:
    """Makes migrated databases for one backend; SQLite copies a migrated template file."""

    def __init__(self, backend: str, root: Path) -> None:
        self.backend = backend
        self.root = root
        self.prefix = f"liveq_t_{os.getpid()}_{secrets.token_hex(3)}"
        self._schemas: list[str] = []
        self._template: Path | None = None
        self._n = 0

    def new(self) -> DatabaseSettings:
        self._n += 1
        if self.backend == "sqlite":
            if self._template is None:
                self._template = self.root / "template.db"
                upgrade_to_head(
                    DatabaseSettings(database_url=f"sqlite+aiosqlite:///{self._template}")
                )
            path = self.root / f"db{self._n}.db"
            shutil.copyfile(self._template, path)
            return DatabaseSettings(database_url=f"sqlite+aiosqlite:///{path}")
        schema = f"{self.prefix}_{self._n}"
        _pg_exec(f"CREATE SCHEMA {schema}")
        self._schemas.append(schema)
        settings = DatabaseSettings(database_url=PG_URL, database_schema=schema)
        upgrade_to_head(settings)
        return settings

    def drop_all(self) -> None:
        for schema in self._schemas:
            _pg_exec(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


@pytest.fixture(scope="session", params=BACKENDS)
def databases(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Databases]:
    dbs = Databases(request.param, tmp_path_factory.mktemp(request.param))
    yield dbs
    dbs.drop_all()


@pytest.fixture(scope="session")
def shared_db(databases: Databases) -> DatabaseSettings:
    """One migrated database per backend for the run, shared by rolled-back tests."""
    return databases.new()


@pytest.fixture
def fresh_db(databases: Databases) -> DatabaseSettings:
    """A migrated database of this test's own."""
    return databases.new()


@pytest.fixture
async def engine(shared_db: DatabaseSettings) -> AsyncIterator[AsyncEngine]:
    eng = make_engine(shared_db)
    yield eng
    await eng.dispose()


@pytest.fixture
async def sessionmaker(engine: AsyncEngine) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Sessions inside one outer transaction that is rolled back when the test ends:
    the code under test may commit (it commits a savepoint)."""
    async with engine.connect() as conn:
        outer = await conn.begin()
        yield async_sessionmaker(
            bind=conn, expire_on_commit=False, join_transaction_mode="create_savepoint"
        )
        await outer.rollback()


@pytest.fixture
async def session(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> AsyncIterator[AsyncSession]:
    async with sessionmaker() as s:
        yield s
