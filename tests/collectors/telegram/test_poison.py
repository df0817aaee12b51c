"""A poison update (NUL, or one the database refuses) never halts the Telegram collector: it is
cleaned, or set aside with its reason (sources page, logs, never its text), and every update
after it arrives."""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from fakes.telegram import FakeTelegram, chat, message, user
from models import Ask, SetAsideMessage, TelegramChat
from tests.api_client import api_client
from tests.collectors.poison import MARKER, REASON, refuse_marked_asks
from tests.collectors.telegram.conftest import CollectorFactory, processed
from tests.factories import make_event

GROUP = chat(-1001000000077)


async def _event(db: async_sessionmaker[AsyncSession]) -> int:
    async with db() as s, s.begin():
        return (await make_event(s, telegram_chats=(GROUP["id"],))).id


async def _texts(db: async_sessionmaker[AsyncSession], event_id: int) -> dict[str, str]:
    async with db() as s:
        rows = await s.execute(select(Ask.message_id, Ask.text).where(Ask.event_id == event_id))
        return {message_id: text for message_id, text in rows}


class TestPoisonUpdates:
    async def test_nul_and_lone_surrogates_are_cleaned_and_stored(
        self, fake: FakeTelegram, db, collector: CollectorFactory
    ) -> None:
        event_id = await _event(db)
        renamed = chat(GROUP["id"], title="Live\x00 Q&A\u202e")
        fake.push(
            message(chat=GROUP, message_id=1, text="When does the vote\x00 close?"),
            message(
                chat=renamed,
                message_id=2,
                text="Is the \ud800 budget public?",
                sender=user(502, first_name="Bea\x00", last_name="\udfff"),
            ),
            message(chat=GROUP, message_id=3, text="Where is the venue?"),
        )
        c = await collector()
        status = await c.wait_for(processed(3))
        assert status["updates_set_aside"] == 0
        texts = await _texts(db, event_id)
        assert texts == {
            "1": "When does the vote close?",
            "2": "Is the \ufffd budget public?",
            "3": "Where is the venue?",
        }
        async with db() as s:
            names = set(await s.scalars(select(Ask.author_name).where(Ask.event_id == event_id)))
            title = await s.scalar(select(TelegramChat.title).where(TelegramChat.id == GROUP["id"]))
        assert "Bea \ufffd" in names
        assert title == "Live Q&A"

    async def test_an_update_the_database_refuses_is_set_aside_and_later_ones_arrive(
        self, fake: FakeTelegram, db, collector: CollectorFactory, caplog
    ) -> None:
        event_id = await _event(db)
        await refuse_marked_asks(db)
        secret = f"Is {MARKER} private, Ada?"
        fake.push(
            *(
                message(chat=GROUP, message_id=i, text=f"Question number {i} about topic {i}?")
                for i in range(1, 4)
            ),
            message(chat=GROUP, message_id=4, text=secret),
            *(
                message(chat=GROUP, message_id=i, text=f"Question number {i} about topic {i}?")
                for i in range(5, 9)
            ),
        )
        caplog.set_level(logging.WARNING)
        c = await collector()
        status = await c.wait_for(lambda s: s["updates_set_aside"] >= 1, within=10)
        assert status["updates_set_aside"] == 1 and status["updates_processed"] == 7
        assert sorted(map(int, await _texts(db, event_id))) == [1, 2, 3, 5, 6, 7, 8]
        # The source moved on: an update sent afterwards arrives.
        fake.push(message(chat=GROUP, message_id=9, text="And what about the park?"))
        await c.wait_for(processed(8))
        assert "9" in await _texts(db, event_id)
        # Confirmed by the next getUpdates, sent once it was kept: it may reach the fake just
        # after the store committed.
        await fake.wait_until(lambda f: f.pending == [])

        async with db() as s:
            [row] = await s.scalars(select(SetAsideMessage))
        assert row.source_id == str(GROUP["id"]) and "message 4" in row.message_ref
        assert REASON in row.reason and MARKER not in row.reason

        engine = db.kw["bind"]
        async with api_client(engine, db) as client:
            r = await client.get(f"/api/v1/events/{event_id}/sources")
        assert r.status_code == 200, r.text
        [source] = r.json()
        assert source["set_aside"] == 1
        [recent] = source["set_aside_recent"]
        assert REASON in recent["reason"] and "message 4" in recent["message"]
        assert secret not in r.text

        logged = "\n".join(r.getMessage() for r in caplog.records)
        assert "set aside" in logged and REASON in logged
        assert secret not in logged and MARKER not in logged


class TestPassingFailures:
    async def test_a_one_off_failure_on_a_healthy_database_loses_and_sets_aside_nothing(
        self, fake: FakeTelegram, db, collector: CollectorFactory
    ) -> None:
        from sqlalchemy import event
        from sqlalchemy.orm import Session

        class Flaky(Session):
            pass

        failed = []

        @event.listens_for(Flaky, "before_commit")
        def boom(session: Session) -> None:
            is_batch = any(isinstance(o, TelegramChat) for o in session.identity_map.values())
            if is_batch and not failed:
                failed.append(1)
                raise RuntimeError("a passing conflict")

        event_id = await _event(db)
        maker = async_sessionmaker(db.kw["bind"], expire_on_commit=False, sync_session_class=Flaky)
        fake.push(
            *(
                message(chat=GROUP, message_id=i, text=f"Question {i} on topic {i}?")
                for i in range(1, 6)
            )
        )
        c = await collector(sessionmaker=maker)
        status = await c.wait_for(processed(5))
        assert failed == [1] and status["updates_set_aside"] == 0
        assert sorted(map(int, await _texts(db, event_id))) == [1, 2, 3, 4, 5]
