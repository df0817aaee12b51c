"""The chatter log: in memory only, per event, bounded in time and number, fed on commit."""

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from intake.chatter import ChatterLog
from intake.ingest import Intake, ingest
from models import Ask, ChatterCount, Platform
from tests.factories import make_ask, make_event

T = datetime(2026, 12, 2, 18, 0, tzinfo=UTC)


def ask(text, n, **kw):
    return make_ask(text=text, message_id=str(n), **kw)


class TestLog:
    def test_keeps_the_last_window_per_event_oldest_first(self):
        log = ChatterLog()
        log.add(1, [ask("hello", 1)], now=T)
        log.add(1, [ask("great talk", 2)], now=T + timedelta(minutes=10))
        log.add(2, [ask("hi from Lima", 3)], now=T)
        assert [e.ask.text for e in log.recent(1, now=T + timedelta(minutes=10))] == [
            "hello",
            "great talk",
        ]
        later = T + timedelta(minutes=15, seconds=1)
        assert [e.ask.text for e in log.recent(1, now=later)] == ["great talk"]
        assert log.recent(2, now=later) == []
        assert log.recent(3, now=later) == []

    def test_an_event_no_one_reads_any_more_is_emptied_by_the_next_arrival(self):
        log = ChatterLog()
        log.add(1, [ask("hello", 1)], now=T)
        log.add(2, [ask("hi", 2)], now=T + timedelta(minutes=20))
        assert log.size(1) == 0 and log.size(2) == 1

    def test_a_cap_per_event_bounds_memory(self):
        log = ChatterLog(cap=3)
        log.add(1, [ask(f"msg {i}", i) for i in range(10)], now=T)
        assert [e.ask.text for e in log.recent(1, now=T)] == ["msg 7", "msg 8", "msg 9"]
        assert log.size(1) == 3

    def test_take_removes_once_and_restore_puts_back_in_order(self):
        log = ChatterLog()
        log.add(1, [ask("a", 1), ask("b", 2), ask("c", 3)], now=T)
        b = log.recent(1, now=T)[1]
        taken = log.take(1, b.id, now=T)
        assert taken == b
        assert log.take(1, b.id, now=T) is None
        assert log.take(2, b.id, now=T) is None  # another event's panel cannot take it
        log.restore(taken)
        assert [e.ask.text for e in log.recent(1, now=T)] == ["a", "b", "c"]

    async def test_watchers_wake_on_add_and_take(self):
        log = ChatterLog()
        with log.watching(1) as changed:
            log.add(1, [ask("a", 1)], now=T)
            await asyncio.wait_for(changed.wait(), 1)
            changed.clear()
            log.take(1, log.recent(1, now=T)[0].id, now=T)
            await asyncio.wait_for(changed.wait(), 1)


class TestFedByIngest:
    async def test_chatter_joins_the_log_on_commit_and_never_the_database(self, sessionmaker):
        intake = Intake(clock=lambda: T)
        async with sessionmaker() as s, s.begin():
            event = await make_event(s)
        async with sessionmaker() as s, s.begin():
            await ingest(
                s,
                intake=intake,
                event_id=event.id,
                asks=[
                    ask("hello from Lagos", 1, author_name="Ada"),
                    ask("👍", 2),  # no words: counted, not worth a moderator's look
                    ask("When is the vote?", 3),
                ],
            )
            assert intake.chatter.recent(event.id, now=T) == []  # not before the commit
        [entry] = intake.chatter.recent(event.id, now=T)
        assert entry.ask.text == "hello from Lagos" and entry.ask.author_name == "Ada"
        assert entry.received_at == T
        async with sessionmaker() as s:
            texts = list(await s.scalars(select(Ask.text).where(Ask.event_id == event.id)))
            assert texts == ["When is the vote?"]
            count = await s.scalar(
                select(ChatterCount.count).where(
                    ChatterCount.event_id == event.id, ChatterCount.platform == Platform.telegram
                )
            )
            assert count == 2

    async def test_a_rolled_back_batch_leaves_no_chatter(self, sessionmaker):
        intake = Intake(clock=lambda: T)
        async with sessionmaker() as s, s.begin():
            event = await make_event(s)
        async with sessionmaker() as s:
            async with s.begin():
                await ingest(s, intake=intake, event_id=event.id, asks=[ask("hello", 1)])
                await s.rollback()
            async with s.begin():  # the same session commits later: nothing stale comes back
                await ingest(s, intake=intake, event_id=event.id, asks=[ask("hi there", 2)])
        assert [e.ask.text for e in intake.chatter.recent(event.id, now=T)] == ["hi there"]
