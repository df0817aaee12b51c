"""A chat linked to an event is collected from at once: its source shows the collector's
state as soon as the event commits, and its next message is routed to the event."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.events.schemas import EventCreate
from app.events.service import create_event
from fakes.telegram import FakeTelegram, chat, message
from models import EventSource, Question, SourceState
from tests.collectors.telegram.conftest import CollectorFactory, processed, running
from tests.collectors.youtube.conftest import eventually

GROUP = chat(-1001000000001, title="Live Q&A")


async def test_a_linked_chat_is_active_at_once_and_routed(
    fake: FakeTelegram, db: async_sessionmaker[AsyncSession], collector: CollectorFactory
) -> None:
    c = await collector()
    await c.wait_for(running)
    data = EventCreate.model_validate(
        {"title": "Linked later", "sources": [{"platform": "telegram", "chat_id": GROUP["id"]}]}
    )
    async with db() as s, s.begin():
        event_id = (await create_event(s, data=data, actor="test", now=datetime.now(UTC))).id

    async def active() -> bool:
        async with db() as s:
            state = await s.scalar(
                select(EventSource.state).where(EventSource.event_id == event_id)
            )
            return state is SourceState.active

    # Before any message arrives: woken by the commit, not by the chat's traffic.
    await eventually(active, within=5)
    assert c.status()["updates_processed"] == 0
    fake.push(message(chat=GROUP, message_id=1, text="Is this chat linked already?"))
    await c.wait_for(processed(1))
    async with db() as s:
        texts = await s.scalars(select(Question.text).where(Question.event_id == event_id))
        assert list(texts) == ["Is this chat linked already?"]
