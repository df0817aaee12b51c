"""Source wake-ups: in this process after a commit, across processes through NOTIFY."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest
from sqlalchemy import text

from kit.db import make_engine, make_sessionmaker
from kit.settings import DatabaseSettings
from kit.wakeups import (
    PROCESS,
    SourceListener,
    Wakeups,
    announce_sources,
    parse_payload,
    subscribed,
)
from tests.conftest import PG_URL, Databases


async def test_a_commit_wakes_and_a_rollback_does_not(sessionmaker):
    with subscribed() as wakeups:
        async with sessionmaker() as s:
            await s.begin()
            await announce_sources(s, event_id=7)
            await s.rollback()
        async with sessionmaker() as s, s.begin():
            await announce_sources(s, event_id=8)
            await announce_sources(s, event_id=9)
        assert await asyncio.wait_for(wakeups.next(), 1) == {8, 9}
    # Out of the block: no longer told.
    async with sessionmaker() as s, s.begin():
        await announce_sources(s, event_id=10)
    await asyncio.sleep(0)
    assert not wakeups._ready.is_set()


async def test_changes_gather_until_read_and_a_resync_means_everything():
    wakeups = Wakeups()
    wakeups.add({1})
    wakeups.add({2})
    assert await wakeups.next() == {1, 2}
    wakeups.add({3})
    wakeups.resync()
    assert await wakeups.next() is None
    wakeups.add({4})
    assert await wakeups.next() == {4}


@pytest.mark.parametrize(
    ("payload", "expected"),
    [("12 abc", (12, "abc")), ("nonsense", (None, "")), ("", (None, "")), ("\x00 x", (None, "x"))],
)
def test_payloads_are_read_without_trusting_them(payload, expected):
    assert parse_payload(payload) == expected


@pytest.fixture
def pg_db(databases: Databases) -> DatabaseSettings:
    if databases.backend != "postgres":
        pytest.skip("NOTIFY needs PostgreSQL (set LIVEQ_TEST_POSTGRES_URL)")
    return databases.new()


async def _notify_as_another_process(db: DatabaseSettings, payload: str) -> None:
    """What announce_sources sends, from a connection of someone else's."""
    assert PG_URL is not None
    conn = await asyncpg.connect(PG_URL.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await conn.execute(f"SET search_path TO {db.database_schema}")
        await conn.execute("SELECT pg_notify('liveq_src_' || md5(current_schema()), $1)", payload)
    finally:
        await conn.close()


class TestListener:
    async def test_other_processes_changes_arrive_and_its_own_are_skipped(self, pg_db):
        engine = make_engine(pg_db)
        sm = make_sessionmaker(engine)
        wakeups = Wakeups()
        listener = SourceListener(sm, wakeups)
        try:
            await listener.start()
            assert listener.connections == 1
            # Its own process's notification: the in-process signal already said it.
            await _notify_as_another_process(pg_db, f"5 {PROCESS}")
            await _notify_as_another_process(pg_db, "6 someone-else")
            assert await asyncio.wait_for(wakeups.next(), 5) == {6}
            # A notification it cannot read: everything is re-read.
            await _notify_as_another_process(pg_db, "garbage")
            assert await asyncio.wait_for(wakeups.next(), 5) is None
        finally:
            await listener.stop()
            await engine.dispose()

    async def test_a_transaction_notifies_at_commit_only(self, pg_db):
        engine = make_engine(pg_db)
        sm = make_sessionmaker(engine)
        wakeups = Wakeups()
        listener = SourceListener(sm, wakeups)
        try:
            await listener.start()
            async with sm() as s:
                await s.begin()
                await announce_sources(s, event_id=1)
                await s.rollback()
            await _notify_as_another_process(pg_db, "2 other")  # a marker after the rollback
            assert await asyncio.wait_for(wakeups.next(), 5) == {2}
        finally:
            await listener.stop()
            await engine.dispose()

    async def test_after_a_lost_connection_it_reconnects_and_resynchronises(self, pg_db):
        engine = make_engine(pg_db)
        sm = make_sessionmaker(engine)
        wakeups = Wakeups()
        listener = SourceListener(sm, wakeups)
        try:
            await listener.start()
            async with sm() as s:
                await s.execute(
                    text("SELECT pg_terminate_backend(:pid)"), {"pid": listener.backend_pid}
                )
            assert await asyncio.wait_for(wakeups.next(), 10) is None
            assert listener.connections == 2
            await _notify_as_another_process(pg_db, "3 other")
            assert await asyncio.wait_for(wakeups.next(), 5) == {3}
        finally:
            await listener.stop()
            await engine.dispose()
