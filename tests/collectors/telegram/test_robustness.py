"""Start-up checks, Telegram's error answers, crashes and floods: nothing lost, nothing doubled."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from collectors.telegram.inbox import OFFSET_KEPT, open_inbox
from collectors.telegram.run import PRIVACY_WARNING
from fakes.telegram import CONFLICT_WEBHOOK, FakeTelegram, chat, message, user
from intake.ingest import Intake
from kit.clock import utcnow
from models import Ask, ChatterCount, EventSource, Question, SourceState, TelegramChat
from tests.collectors.telegram.conftest import CollectorFactory, Sleeps, processed, running
from tests.factories import make_event

GROUP = chat(-1001000000001)


async def _event(db: async_sessionmaker[AsyncSession]) -> int:
    async with db() as s, s.begin():
        return (await make_event(s, telegram_chats=(GROUP["id"],))).id


async def _stored(db: async_sessionmaker[AsyncSession], event_id: int) -> tuple[int, int]:
    """(asks, chatter) of the event."""
    async with db() as s:
        asks = await s.scalar(select(func.count()).select_from(Ask).where(Ask.event_id == event_id))
        chatter = await s.scalar(
            select(ChatterCount.count).where(ChatterCount.event_id == event_id)
        )
        return int(asks or 0), int(chatter or 0)


def _flood(n: int, *, every: int = 3) -> list[dict]:
    # One question in `every` messages, the rest chatter; many askers, few distinct questions.
    return [
        message(
            chat=GROUP,
            message_id=i,
            sender=user(10_000 + i % 997),
            text=TOPICS[(i // every) % len(TOPICS)] if i % every == 0 else f"hello {i}",
        )
        for i in range(1, n + 1)
    ]


TOPICS = [
    "When will the new budget be published?",
    "Is there free parking near the venue?",
    "Will a recording of tonight's session be shared?",
    "How much do tickets cost for students?",
    "Can children attend the workshop alone?",
]


class TestStartUp:
    async def test_an_invalid_token_stops_this_collector_with_a_clear_reason(
        self, fake: FakeTelegram, protocol_collector: CollectorFactory
    ) -> None:
        c = await protocol_collector(token="123456:not-the-right-one")
        status = await c.wait_for(lambda s: s["state"] == "stopped")
        assert "401" in status["reason"] and "LIVEQ_TELEGRAM_BOT_TOKEN" in status["reason"]
        assert fake.calls_of("getUpdates") == []

    async def test_no_token_is_reported_not_raised(self, any_db) -> None:
        from collectors.telegram.run import TelegramCollector
        from collectors.telegram.settings import TelegramSettings

        c = TelegramCollector(TelegramSettings(telegram_bot_token=None), any_db, Intake())
        await c.start()
        assert c.status()["state"] == "stopped"
        assert "LIVEQ_TELEGRAM_BOT_TOKEN" in c.status()["reason"]
        await c.stop()

    async def test_privacy_mode_is_warned_about(
        self, fake: FakeTelegram, protocol_collector: CollectorFactory
    ) -> None:
        fake.reads_all_group_messages = False
        c = await protocol_collector()
        status = await c.wait_for(running)
        assert status["bot_username"] == "liveq_test_bot"
        assert "/setprivacy" in status["privacy_warning"]
        assert "add it again" in status["privacy_warning"]

    async def test_network_errors_at_start_are_retried(
        self, fake: FakeTelegram, protocol_collector: CollectorFactory, sleeps: Sleeps
    ) -> None:
        fake.fail("getMe", 502, times=2)
        c = await protocol_collector()
        await c.wait_for(running)
        assert sleeps.delays == [1.0, 2.0]


class TestSourceStates:
    async def test_sources_follow_the_collector(
        self, fake: FakeTelegram, db, collector: CollectorFactory
    ) -> None:
        await _event(db)
        fake.reads_all_group_messages = False
        c = await collector()
        await c.wait_for(running)
        assert await _sources(db) == [(SourceState.active, PRIVACY_WARNING)]
        await c.stop()
        assert await _sources(db) == [
            (SourceState.waiting, "the Telegram collector is not running")
        ]

    async def test_an_invalid_token_stops_the_sources_with_the_reason(
        self, db, collector: CollectorFactory
    ) -> None:
        await _event(db)
        c = await collector(token="123456:not-the-right-one")
        await c.wait_for(lambda s: s["state"] == "stopped")
        [(state, reason)] = await _sources(db)
        assert state is SourceState.stopped and "401" in (reason or "")

    async def test_a_source_added_later_becomes_active_with_its_first_message(
        self, fake: FakeTelegram, db, collector: CollectorFactory
    ) -> None:
        c = await collector()
        await c.wait_for(running)
        await _event(db)
        assert await _sources(db) == [(SourceState.waiting, None)]
        fake.push(*_flood(1))
        await c.wait_for(processed(1))
        assert await _sources(db) == [(SourceState.active, None)]


async def _sources(db: async_sessionmaker[AsyncSession]) -> list[tuple[SourceState, str | None]]:
    async with db() as s:
        rows = await s.execute(select(EventSource.state, EventSource.state_reason))
        return [(state, reason) for state, reason in rows]


class TestTelegramErrors:
    async def test_conflict_with_another_poller_is_named_and_backed_off(
        self, fake: FakeTelegram, db, collector: CollectorFactory, sleeps: Sleeps
    ) -> None:
        event_id = await _event(db)
        fake.fail("getUpdates", 409, times=3)
        fake.push(*_flood(3))
        c = await collector()
        status = await c.wait_for(processed(3))
        assert sleeps.delays == [1.0, 2.0, 4.0]
        assert "409 Conflict: another program is polling" in status["last_error"]
        assert status["state"] == "running"
        assert await _stored(db, event_id) == (1, 2)

    async def test_conflict_with_a_webhook_says_so(
        self, fake: FakeTelegram, protocol_collector: CollectorFactory
    ) -> None:
        fake.fail("getUpdates", 409, CONFLICT_WEBHOOK, times=50)
        c = await protocol_collector()
        status = await c.wait_for(lambda s: s["state"] == "error")
        assert "webhook is set" in status["reason"]

    async def test_too_many_requests_waits_retry_after(
        self, fake: FakeTelegram, protocol_collector: CollectorFactory, sleeps: Sleeps
    ) -> None:
        fake.fail("getUpdates", 429, retry_after=7)
        fake.push(*_flood(1))
        c = await protocol_collector()
        await c.wait_for(processed(1))
        assert sleeps.delays == [7.0]

    @pytest.mark.parametrize("status_code", [500, 502])
    async def test_server_errors_back_off_exponentially(
        self,
        fake: FakeTelegram,
        db,
        collector: CollectorFactory,
        sleeps: Sleeps,
        status_code: int,
    ) -> None:
        event_id = await _event(db)
        fake.fail("getUpdates", status_code, times=4)
        fake.push(*_flood(6))
        c = await collector(telegram_backoff_max=5.0)
        await c.wait_for(processed(6))
        assert sleeps.delays == [1.0, 2.0, 4.0, 5.0]
        assert await _stored(db, event_id) == (2, 4)


class _FailOnce:
    """Sessions whose first commit of a batch fails (a hiccup between ingest and commit)."""

    def __init__(self) -> None:
        class FlakySession(Session):
            pass

        self.session_class = FlakySession
        self.failed = 0

        @event.listens_for(FlakySession, "before_commit")
        def boom(session: Session) -> None:
            # A batch's session is the one that saw chats (the sources' state has none).
            is_batch = any(isinstance(o, TelegramChat) for o in session.identity_map.values())
            if is_batch and not self.failed:
                self.failed += 1
                # What the driver raises when the server goes (an outage: retried after a
                # pause, never a reason to set the batch's updates aside).
                raise OperationalError("COMMIT", {}, Exception("database went away"))


class TestNothingLostNothingDoubled:
    async def test_a_failed_commit_is_retried_from_the_inbox(
        self, fake: FakeTelegram, db, collector: CollectorFactory, sleeps: Sleeps
    ) -> None:
        event_id = await _event(db)
        flaky = _FailOnce()
        maker = async_sessionmaker(
            db.kw["bind"], expire_on_commit=False, sync_session_class=flaky.session_class
        )
        fake.push(*_flood(30))
        c = await collector(sessionmaker=maker)
        status = await c.wait_for(processed(30))
        assert flaky.failed == 1 and len(sleeps.delays) == 1
        assert "storing updates failed" in status["reason"] or status["state"] == "running"
        assert await _stored(db, event_id) == (10, 20)

    async def test_a_killed_collector_resumes_where_it_committed(
        self, fake: FakeTelegram, db, collector: CollectorFactory
    ) -> None:
        event_id = await _event(db)
        fake.push(*_flood(450, every=9))
        first = await collector(telegram_poll_limit=50)
        await first.wait_for(lambda s: s["batches"] >= 1)
        await first.stop(confirm=False)  # as if the process died: no goodbye to Telegram

        second = await collector(telegram_poll_limit=50, intake=Intake())
        await fake.wait_until(lambda f: f.pending == [] and f.confirmed_up_to > 0)
        # Running: what the inbox held is stored; nothing waiting: what it kept since too.
        await second.wait_for(lambda s: s["state"] == "running" and s["updates_waiting"] == 0)
        asks, chatter = await _stored(db, event_id)
        assert asks == 50
        async with db() as s:
            doubled = await s.scalar(
                select(func.count()).select_from(
                    select(Ask.message_id)
                    .group_by(Ask.message_id)
                    .having(func.count() > 1)
                    .subquery()
                )
            )
        assert doubled == 0
        # Chatter is counted, not stored. On PostgreSQL a store deletes its batches from the
        # inbox in its own transaction: nothing counts twice. On SQLite the inbox is a file of
        # its own, and a kill between a store's commit and that deletion counts the store's
        # chatter again (one store at most: fewer than the 400 here).
        if db.kw["bind"].dialect.name == "postgresql":
            assert chatter == 400
        else:
            assert 400 <= chatter < 800

    async def test_what_a_killed_process_left_in_the_inbox_is_stored_once(
        self, fake: FakeTelegram, db, collector: CollectorFactory
    ) -> None:
        event_id = await _event(db)
        ids = fake.push(*_flood(90, every=9))
        # A process fetched the first 60, kept them, and died before storing them: Telegram
        # still holds all 90 (none confirmed).
        left = await open_inbox(db.kw["bind"])
        await left.keep(
            bot_id=fake.bot_id, updates=fake.pending[:60], next_offset=ids[59] + 1, now=utcnow()
        )
        await left.close()

        c = await collector()
        await c.wait_for(processed(90))
        await fake.wait_until(lambda f: f.confirmed_up_to == ids[-1])
        # Once each: getUpdates resumed after what the inbox held, so the 60 came only from
        # there (re-delivered too, their chatter would count twice).
        assert await _stored(db, event_id) == (10, 80)
        assert c.status()["updates_processed"] == 90
        inbox = await open_inbox(db.kw["bind"])
        try:
            offset, waiting = await inbox.left(bot_id=fake.bot_id, now=utcnow())
        finally:
            await inbox.close()
        assert waiting == [] and offset == ids[-1] + 1

    async def test_an_offset_older_than_a_day_is_not_resumed_from(
        self, fake: FakeTelegram, db, collector: CollectorFactory
    ) -> None:
        # Telegram keeps updates a day, and may restart a bot's update ids after a week:
        # an old offset could skip new updates.
        event_id = await _event(db)
        inbox = await open_inbox(db.kw["bind"])
        await inbox.keep(
            bot_id=fake.bot_id,
            updates=[],
            next_offset=10_000,
            now=utcnow() - OFFSET_KEPT - timedelta(minutes=1),
        )
        await inbox.close()
        fake.push(*_flood(9, every=9))  # update ids 1…9, far below the old offset
        c = await collector()
        await c.wait_for(processed(9))
        assert await _stored(db, event_id) == (1, 8)

    async def test_a_flood_of_5000_updates_is_stored_exactly_once(
        self, fake: FakeTelegram, db, collector: CollectorFactory
    ) -> None:
        event_id = await _event(db)
        ids = fake.push(*_flood(5000, every=25))
        c = await collector()
        await c.wait_for(processed(5000), within=40)
        assert await _stored(db, event_id) == (200, 4800)
        async with db() as s:
            questions = await s.scalar(select(func.count()).select_from(Question))
        assert questions == len(TOPICS)
        await fake.wait_until(lambda f: f.confirmed_up_to == ids[-1])
        assert c.status()["updates_skipped"] == 0


class TestTokenRedaction:
    async def test_the_token_never_reaches_a_log(
        self,
        fake: FakeTelegram,
        db,
        collector: CollectorFactory,
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        caplog.set_level(logging.DEBUG)
        await _event(db)
        fake.fail("getUpdates", 502)
        fake.push(*_flood(5), {"message": {"message_id": 1}})
        c = await collector()
        await c.wait_for(lambda s: s["updates_processed"] + s["updates_skipped"] >= 6)
        await c.stop()

        assert fake.token not in caplog.text
        for record in caplog.records:
            assert fake.token not in record.getMessage()
        # The test means something: httpx did log the request URLs, with the token redacted.
        assert any(
            r.name == "httpx" and "<telegram-token>" in r.getMessage() for r in caplog.records
        )
        assert fake.token not in str(c.status())
