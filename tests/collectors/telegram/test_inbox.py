"""The inbox: batches kept between the fetch and the store, on both databases."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy.ext.asyncio import create_async_engine

from collectors.telegram.inbox import SUFFIX, Kept, decode, encode, open_inbox
from fakes.telegram import chat, message, user
from kit.clock import utcnow
from kit.db import make_engine
from kit.settings import DatabaseSettings

GROUP = chat(-1001000000005)


def _updates(n: int, start: int = 1) -> list[dict]:
    return [
        {**message(chat=GROUP, message_id=i, sender=user(i), text=f"Question {i}?"), "update_id": i}
        for i in range(start, start + n)
    ]


def _nested(depth: int) -> dict:
    value: dict = {}
    for _ in range(depth):
        value = {"a": value}
    return value


class TestEncoding:
    def test_hostile_text_comes_back_as_it_was_sent(self) -> None:
        hostile = "NUL\x00 lone \ud800 bidi \u202e emoji 🙂 " + "x" * 10_000
        updates = [{**_updates(1)[0], "message": {"text": hostile}}]
        data, kept = encode(updates)
        assert kept == updates
        assert decode(data) == updates

    def test_an_update_too_deep_to_write_is_left_out_and_the_rest_kept(self) -> None:
        good = _updates(2)
        deep = {"update_id": 99, "message": _nested(100_000)}
        data, kept = encode([good[0], deep, good[1]])
        assert kept == good
        assert decode(data) == good

    def test_a_batch_is_stored_compressed(self) -> None:
        updates = _updates(100)
        data, _ = encode(updates)
        assert len(data) * 3 < sum(len(str(u)) for u in updates)


class TestKeepAndForget:
    async def test_kept_batches_come_back_in_order_until_forgotten(self, db) -> None:
        inbox = await open_inbox(db.kw["bind"])
        try:
            one, two = _updates(3), _updates(2, start=4)
            first = await inbox.keep(bot_id=7, updates=one, next_offset=4, now=utcnow())
            second = await inbox.keep(bot_id=7, updates=two, next_offset=6, now=utcnow())
            await inbox.keep(bot_id=8, updates=_updates(1), next_offset=2, now=utcnow())
            offset, left = await inbox.left(bot_id=7, now=utcnow())
            assert offset == 6
            assert left == [Kept(first.id, one), Kept(second.id, two)]

            await inbox.forget([first.id])
            offset, left = await inbox.left(bot_id=7, now=utcnow())
            assert (offset, [k.id for k in left]) == (6, [second.id])
            # Another bot's batches and offset are its own.
            offset, left = await inbox.left(bot_id=8, now=utcnow())
            assert offset == 2 and len(left) == 1
        finally:
            await inbox.close()

    async def test_a_batch_without_update_ids_leaves_the_offset_alone(self, db) -> None:
        inbox = await open_inbox(db.kw["bind"])
        try:
            await inbox.keep(bot_id=7, updates=_updates(1), next_offset=2, now=utcnow())
            await inbox.keep(bot_id=7, updates=[{"no": "id"}], next_offset=None, now=utcnow())
            offset, left = await inbox.left(bot_id=7, now=utcnow())
            assert offset == 2 and len(left) == 2
        finally:
            await inbox.close()

    async def test_an_offset_older_than_a_day_is_not_resumed(self, db) -> None:
        inbox = await open_inbox(db.kw["bind"])
        try:
            then = utcnow() - timedelta(hours=25)
            await inbox.keep(bot_id=7, updates=[], next_offset=50, now=then)
            assert (await inbox.left(bot_id=7, now=utcnow()))[0] is None
            assert (await inbox.left(bot_id=7, now=then + timedelta(hours=1)))[0] == 50
        finally:
            await inbox.close()

    async def test_what_is_kept_survives_the_process(self, db) -> None:
        inbox = await open_inbox(db.kw["bind"])
        kept = await inbox.keep(bot_id=7, updates=_updates(2), next_offset=3, now=utcnow())
        await inbox.close()
        reopened = await open_inbox(db.kw["bind"])
        try:
            assert (await reopened.left(bot_id=7, now=utcnow())) == (3, [kept])
        finally:
            await reopened.close()


class TestWhere:
    async def test_on_sqlite_a_file_beside_the_database(self, tmp_path: Path) -> None:
        engine = make_engine(DatabaseSettings(database_url=f"sqlite+aiosqlite:///{tmp_path}/q.db"))
        inbox = await open_inbox(engine)
        try:
            assert not inbox.shares_transactions
            await inbox.keep(bot_id=1, updates=_updates(1), next_offset=2, now=utcnow())
            assert (tmp_path / f"q.db{SUFFIX}").exists()
            assert not (tmp_path / "q.db").exists()  # the main database is not touched
        finally:
            await inbox.close()
            await engine.dispose()

    async def test_a_database_in_memory_has_its_inbox_in_memory(self) -> None:
        engine = create_async_engine("sqlite+aiosqlite://")
        inbox = await open_inbox(engine)
        try:
            kept = await inbox.keep(bot_id=1, updates=_updates(1), next_offset=2, now=utcnow())
            assert (await inbox.left(bot_id=1, now=utcnow())) == (2, [kept])
        finally:
            await inbox.close()
            await engine.dispose()

    async def test_on_postgresql_tables_of_the_database_itself(self, db) -> None:
        # So that a store's transaction deletes the batches it stored (exactly once).
        engine = db.kw["bind"]
        inbox = await open_inbox(engine)
        try:
            assert inbox.shares_transactions == (engine.dialect.name == "postgresql")
        finally:
            await inbox.close()

    async def test_on_postgresql_keeps_go_on_a_connection_of_their_own(self, db) -> None:
        # One round trip a keep, never through the pool; when the server closes that
        # connection, the next keep makes another and still keeps its batch.
        import asyncio

        import pytest
        from sqlalchemy import text

        engine = db.kw["bind"]
        if engine.dialect.name != "postgresql":
            pytest.skip("PostgreSQL's inbox (needs LIVEQ_TEST_POSTGRES_URL)")
        inbox = await open_inbox(engine)
        try:
            before = engine.pool.checkedout()
            await inbox.keep(bot_id=9, updates=_updates(1), next_offset=2, now=utcnow())
            own = inbox._own  # type: ignore[attr-defined]
            for i in range(2, 6):
                await inbox.keep(bot_id=9, updates=_updates(1, i), next_offset=i + 1, now=utcnow())
            assert inbox._own is own and engine.pool.checkedout() == before  # type: ignore[attr-defined]
            closed = asyncio.Event()
            own.add_termination_listener(lambda _connection: closed.set())
            async with engine.connect() as other:
                await other.execute(
                    text("SELECT pg_terminate_backend(:pid)"), {"pid": own.get_server_pid()}
                )
            await asyncio.wait_for(closed.wait(), 10)  # noticed while idle, as in a service
            kept = await inbox.keep(bot_id=9, updates=_updates(1, 6), next_offset=7, now=utcnow())
            assert inbox._own is not own  # type: ignore[attr-defined]
            offset, left = await inbox.left(bot_id=9, now=utcnow())
            assert offset == 7 and len(left) == 6 and left[-1] == kept
        finally:
            await inbox.close()
        assert inbox._own is None  # type: ignore[attr-defined]
