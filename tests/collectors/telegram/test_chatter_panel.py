"""Telegram chatter reaches the chat panel (in memory) of a collector in the same process."""

from __future__ import annotations

from fakes.telegram import FakeTelegram, message
from intake.ingest import Intake
from tests.collectors.telegram.conftest import CollectorFactory, processed
from tests.collectors.telegram.test_collect import GROUP, _event, _questions
from tests.factories import T0


async def test_chatter_is_set_aside_for_the_panel_and_questions_need_no_mark(
    fake: FakeTelegram, db, collector: CollectorFactory
) -> None:
    event = await _event(db, telegram_chats=(GROUP["id"],))
    intake = Intake()
    fake.push(
        message(chat=GROUP, message_id=1, text="hello from Lagos!"),
        message(chat=GROUP, message_id=2, text="Maggie could you comment on the election rules"),
        message(chat=GROUP, message_id=3, text="grant deadline for user groups"),
    )
    c = await collector(intake=intake)
    await c.wait_for(processed(3))
    assert [q.text for q in await _questions(db, event)] == [
        "Maggie could you comment on the election rules"
    ]
    kept = intake.chatter.recent(event, now=intake.clock())
    assert [(e.ask.platform.value, e.ask.text) for e in kept] == [
        ("telegram", "hello from Lagos!"),
        ("telegram", "grant deadline for user groups"),
    ]
    assert all(e.ask.asked_at > T0 and e.ask.author_id for e in kept)
