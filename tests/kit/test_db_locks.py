"""Event locks on PostgreSQL: one schema's lock holds its own transactions only."""

from __future__ import annotations

import asyncio

import pytest

from kit.db import lock_until_end, make_engine, make_sessionmaker
from kit.settings import DatabaseSettings
from tests.conftest import Databases


@pytest.fixture
def two_schemas(databases: Databases) -> tuple[DatabaseSettings, DatabaseSettings]:
    if databases.backend != "postgres":
        pytest.skip("advisory locks need PostgreSQL (set LIVEQ_TEST_POSTGRES_URL)")
    return databases.new(), databases.new()


async def test_a_lock_in_one_schema_does_not_hold_another(two_schemas):
    first, second = two_schemas
    engines = [make_engine(first), make_engine(second)]
    one, other = (make_sessionmaker(e) for e in engines)
    try:
        async with one() as holder, holder.begin():
            await lock_until_end(holder, 7, 1)
            # Another schema, the same event id: not held up.
            async with other() as s, s.begin():
                await asyncio.wait_for(lock_until_end(s, 7, 1), 5)
            # The same schema: waits until the holder's transaction ends.
            async with one() as s:
                with pytest.raises(TimeoutError):
                    await asyncio.wait_for(lock_until_end(s, 7, 1), 0.5)
    finally:
        for engine in engines:
            await engine.dispose()
