"""Writers of one event's queue on real concurrent connections: serialized, never stalled."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from collectors.telegram.parse import ChatSeen
from collectors.telegram.store import remember_chats
from intake.asks import Outcome
from intake.ingest import Intake, ingest
from kit.db import make_engine, make_sessionmaker
from kit.settings import DatabaseSettings
from models import Question
from tests.factories import T0, make_ask, make_event

# Far below SQLite's 30 s busy timeout, far above what two small transactions take.
STALLED = 15


@pytest.fixture
async def maker(fresh_db: DatabaseSettings) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = make_engine(fresh_db)
    yield make_sessionmaker(engine)
    await engine.dispose()


async def _event_id(maker: async_sessionmaker[AsyncSession]) -> int:
    async with maker() as s:
        event = await make_event(s, telegram_chats=(-1001,))
        await s.commit()
        return event.id


async def _ingest_and_commit(maker, intake: Intake, event_id: int, message_id: str):
    async with maker() as s:
        [result] = await ingest(
            s,
            intake=intake,
            event_id=event_id,
            asks=[make_ask(text="When does the vote close?", message_id=message_id)],
        )
        await s.commit()
        return result


async def test_a_batch_that_wrote_first_does_not_stall_another_writer(maker):
    """A Telegram batch writes (the chats it saw) before it ingests; meanwhile another source
    starts ingesting into the same event. Neither may wait for the other in a cycle (an
    in-process lock taken after the database's write lock stalled both for the busy timeout)."""
    event_id = await _event_id(maker)
    intake = Intake()
    async with maker() as batch:
        await remember_chats(
            batch, chats=[ChatSeen(-1001, "Conversation hour", "supergroup", False)], now=T0
        )
        await batch.flush()
        other = asyncio.create_task(_ingest_and_commit(maker, intake, event_id, "youtube-1"))
        for _ in range(5):  # let the other writer run up to where it waits
            await asyncio.sleep(0)
        [mine] = await asyncio.wait_for(
            ingest(
                batch,
                intake=intake,
                event_id=event_id,
                asks=[make_ask(text="When does the vote close?", message_id="telegram-1")],
            ),
            STALLED,
        )
        await batch.commit()
    theirs = await asyncio.wait_for(other, STALLED)
    assert {mine.outcome, theirs.outcome} == {Outcome.created, Outcome.merged}
    assert mine.question_id == theirs.question_id


async def test_two_processes_make_one_question_of_two_copies(maker):
    """Two processes (say `liveq serve` and `liveq collect telegram`) each have their own
    index: the same new question arriving at both at once still makes one question."""
    event_id = await _event_id(maker)
    first, second = Intake(), Intake()
    results = await asyncio.wait_for(
        asyncio.gather(
            _ingest_and_commit(maker, first, event_id, "1"),
            _ingest_and_commit(maker, second, event_id, "2"),
        ),
        STALLED,
    )
    assert sorted(r.outcome.value for r in results) == ["created", "merged"]
    async with maker() as s:
        questions = list(await s.scalars(select(Question).where(Question.event_id == event_id)))
    assert [q.ask_count for q in questions] == [2]
