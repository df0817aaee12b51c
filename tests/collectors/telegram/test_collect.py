"""The real python-telegram-bot client against the fake Bot API: updates into the queue."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from collectors.telegram.run import ALLOWED_UPDATES
from fakes.telegram import FakeTelegram, chat, edited, message, reaction, reaction_count, user
from intake.ingest import Intake
from models import Ask, ChatterCount, Question, QuestionMode, TelegramChat, Vote
from tests.collectors.telegram.conftest import CollectorFactory, processed, running
from tests.factories import T0, make_event

GROUP = chat(-1001000000001, title="Live Q&A")
OTHER = chat(-1001000000002, title="Second stream")
UNLINKED = chat(-1001000000009, title="Somebody else's group")


async def _event(db: async_sessionmaker[AsyncSession], **kwargs: object) -> int:
    async with db() as s, s.begin():
        event = await make_event(s, **kwargs)  # type: ignore[arg-type]
        return event.id


async def _questions(db: async_sessionmaker[AsyncSession], event_id: int) -> list[Question]:
    async with db() as s:
        rows = await s.scalars(
            select(Question).where(Question.event_id == event_id).order_by(Question.id)
        )
        return list(rows)


async def _count(db: async_sessionmaker[AsyncSession], model: type, *where: Any) -> int:
    async with db() as s:
        return int(await s.scalar(select(func.count()).select_from(model).where(*where)) or 0)


class TestRouting:
    async def test_messages_become_questions_in_the_events_listing_their_chat(
        self, fake: FakeTelegram, db, collector: CollectorFactory
    ) -> None:
        first = await _event(db, telegram_chats=(GROUP["id"],))
        second = await _event(db, telegram_chats=(OTHER["id"],))
        ids = fake.push(
            message(chat=GROUP, message_id=1, text="When does the vote close?"),
            message(chat=GROUP, message_id=2, text="hello from Lagos!"),
            message(chat=OTHER, message_id=1, text="Is there a recording?"),
            message(chat=UNLINKED, message_id=1, text="What is this group?"),
            message(chat=GROUP, message_id=3, caption="What is on this slide?"),
        )
        c = await collector()
        await c.wait_for(processed(5))

        assert [q.text for q in await _questions(db, first)] == [
            "When does the vote close?",
            "What is on this slide?",
        ]
        assert [q.text for q in await _questions(db, second)] == ["Is there a recording?"]
        assert await _count(db, Ask, Ask.source_id == str(UNLINKED["id"])) == 0
        assert await _count(db, TelegramChat) == 3
        async with db() as s:
            remembered = await s.get(TelegramChat, UNLINKED["id"])
            assert remembered is not None and remembered.title == "Somebody else's group"
            chatter = await s.scalar(
                select(ChatterCount.count).where(ChatterCount.event_id == first)
            )
            assert chatter == 1
            ask = await s.scalar(select(Ask).where(Ask.message_id == "1", Ask.event_id == first))
            assert ask is not None and ask.author_name == "Ada Lovelace"
            assert ask.asked_at.tzinfo is not None or s.bind.dialect.name == "sqlite"
        # Confirmed only once stored: the next getUpdates carried the following offset.
        await fake.wait_until(lambda f: f.confirmed_up_to >= ids[-1])
        params = fake.calls_of("getUpdates")[0].params
        assert params["allowed_updates"] == list(ALLOWED_UPDATES)

    async def test_channel_posts_and_edits(
        self, fake: FakeTelegram, db, collector: CollectorFactory
    ) -> None:
        channel = chat(-1001000000077, title="News", type="channel")
        event = await _event(db, telegram_chats=(channel["id"], GROUP["id"]))
        post = message(
            chat=channel, message_id=10, text="Will you cover taxes?", kind="channel_post"
        )
        question = message(chat=GROUP, message_id=11, text="How long is the sesion?")
        fake.push(
            post,
            question,
            edited(question, "How long is the session?"),
            edited(post, "Will you cover taxes and rent?"),
        )
        c = await collector()
        await c.wait_for(processed(4))
        texts = sorted(q.text for q in await _questions(db, event))
        assert texts == ["How long is the session?", "Will you cover taxes and rent?"]

    async def test_a_topic_restricted_source_takes_only_that_topic(
        self, fake: FakeTelegram, db, collector: CollectorFactory
    ) -> None:
        forum = chat(-1001000000055, title="Forum", is_forum=True)
        event = await _event(db, telegram_chats=(forum["id"],), telegram_thread=7)
        fake.push(
            message(chat=forum, message_id=20, text="In the topic?", thread_id=7),
            message(chat=forum, message_id=21, text="Elsewhere?", thread_id=8),
            message(chat=forum, message_id=22, text="In General?"),
        )
        c = await collector()
        await c.wait_for(processed(3))
        questions = await _questions(db, event)
        assert [q.text for q in questions] == ["In the topic?"]
        async with db() as s:
            ask = await s.scalar(select(Ask).where(Ask.event_id == event))
            assert ask is not None and ask.thread_id == 7

    async def test_ask_command_in_marked_mode(
        self, fake: FakeTelegram, db, collector: CollectorFactory
    ) -> None:
        event = await _event(db, telegram_chats=(GROUP["id"],), mode=QuestionMode.marked)
        fake.push(
            # Marked mode takes a question mark or a marker, never the form alone.
            message(chat=GROUP, message_id=30, text="is this a question"),
            message(chat=GROUP, message_id=31, text="/ask what about pensions"),
            message(chat=GROUP, message_id=32, text="/ask@liveq_test_bot and housing"),
            message(chat=GROUP, message_id=33, text="/ask@other_bot not for us"),
        )
        c = await collector()
        await c.wait_for(processed(4))
        assert [q.text for q in await _questions(db, event)] == [
            "what about pensions",
            "and housing",
        ]


class TestVotes:
    async def test_agreeing_replies_upvote_once_per_user_and_are_no_chatter(
        self, fake: FakeTelegram, db, collector: CollectorFactory
    ) -> None:
        event = await _event(db, telegram_chats=(GROUP["id"],))
        original = message(chat=GROUP, message_id=40, text="Will slides be shared?")
        chatter = message(chat=GROUP, message_id=41, text="great talk")
        fake.push(
            original,
            chatter,
            message(
                chat=GROUP, message_id=42, text="+1", sender=user(601), reply_to=original["message"]
            ),
            message(
                chat=GROUP,
                message_id=43,
                text="me too!",
                sender=user(601),
                reply_to=original["message"],
            ),
            message(
                chat=GROUP,
                message_id=44,
                text="я тоже",
                sender=user(602),
                reply_to=original["message"],
            ),
            message(
                chat=GROUP, message_id=45, text="👍", sender=user(603), reply_to=chatter["message"]
            ),
        )
        c = await collector()
        await c.wait_for(processed(6))
        [question] = await _questions(db, event)
        assert (question.upvotes, question.ask_count) == (2, 1)
        async with db() as s:
            chatter_count = await s.scalar(
                select(ChatterCount.count).where(ChatterCount.event_id == event)
            )
        # "great talk" and the 👍 on it: agreement with chatter is chatter.
        assert chatter_count == 2

    async def test_reactions_vote_once_per_user_and_counts_replace(
        self, fake: FakeTelegram, db, collector: CollectorFactory
    ) -> None:
        event = await _event(db, telegram_chats=(GROUP["id"],))
        fake.push(
            message(chat=GROUP, message_id=50, text="Is the venue accessible?"),
            reaction(chat=GROUP, message_id=50, user_id=701),
            reaction(chat=GROUP, message_id=50, user_id=701, old=("👍",), new=("❤",)),
            reaction(chat=GROUP, message_id=50, user_id=702, new=("🔥",)),
        )
        c = await collector()
        await c.wait_for(processed(4))
        [question] = await _questions(db, event)
        assert question.upvotes == 2

        fake.push(reaction(chat=GROUP, message_id=50, user_id=701, old=("❤",), new=()))
        await c.wait_for(processed(5))
        [question] = await _questions(db, event)
        assert question.upvotes == 1

        fake.push(reaction_count(chat=GROUP, message_id=50, counts={"👍": 4, "🔥": 2}))
        await c.wait_for(processed(6))
        fake.push(reaction_count(chat=GROUP, message_id=50, counts={"👍": 3}))
        await c.wait_for(processed(7))
        [question] = await _questions(db, event)
        assert question.upvotes == 1 + 3
        assert await _count(db, Vote) == 2

    async def test_follow_ups_in_the_batch_of_their_message_apply_in_order(
        self, fake: FakeTelegram, db, collector: CollectorFactory
    ) -> None:
        event = await _event(db, telegram_chats=(GROUP["id"],))
        asked = message(chat=GROUP, message_id=80, text="Is parking free?")
        fake.push(
            asked,
            reaction(chat=GROUP, message_id=80, user_id=801),
            edited(asked, "Is parking free for volunteers?"),
            reaction(chat=GROUP, message_id=80, user_id=801, old=("👍",), new=()),
            message(chat=GROUP, message_id=81, text="Where is the venue?"),
            reaction(chat=GROUP, message_id=80, user_id=802),
            reaction(chat=GROUP, message_id=81, user_id=802),
            message(
                chat=GROUP, message_id=82, text="+1", sender=user(803), reply_to=asked["message"]
            ),
        )
        c = await collector()
        await c.wait_for(processed(8))
        parking, venue = await _questions(db, event)
        assert parking.text == "Is parking free for volunteers?"
        assert (parking.upvotes, parking.score, venue.upvotes) == (2, 3, 1)
        assert await _count(db, Vote) == 3


class TestAcknowledgement:
    async def test_one_reply_per_question_within_the_chat_limit(
        self, fake: FakeTelegram, db, collector: CollectorFactory
    ) -> None:
        await _event(db, telegram_chats=(GROUP["id"],), acknowledge=True)
        fake.push(
            message(chat=GROUP, message_id=60, text="First question?"),
            message(chat=GROUP, message_id=61, text="just chatting"),
            message(chat=GROUP, message_id=62, text="Second question?"),
        )
        now = [T0]
        c = await collector(clock=lambda: now[0])
        status = await c.wait_for(lambda s: s["acks_sent"] + s["acks_dropped"] >= 2)
        # The clock stands still: the second reply would break 1 message/s for the chat.
        assert (status["acks_sent"], status["acks_dropped"]) == (1, 1)
        [sent] = fake.sent
        assert sent["chat_id"] == GROUP["id"]
        assert sent["text"] == "Got it — your question is in the queue"
        assert sent["reply_parameters"]["message_id"] == 60

        now[0] += timedelta(seconds=1)
        fake.push(
            message(chat=GROUP, message_id=63, text="Third question?"),
            message(chat=GROUP, message_id=60, text="First question?"),
        )  # re-delivered
        status = await c.wait_for(lambda s: s["acks_sent"] + s["acks_dropped"] >= 3)
        assert [m["reply_parameters"]["message_id"] for m in fake.sent] == [60, 63]
        status = await c.wait_for(processed(5))
        # No reply to the re-delivery (acks are queued before updates count as processed).
        assert status["acks_sent"] + status["acks_dropped"] + status["acks_pending"] == 3

    async def test_no_reply_without_the_event_option(
        self, fake: FakeTelegram, db, collector: CollectorFactory
    ) -> None:
        await _event(db, telegram_chats=(GROUP["id"],))
        fake.push(message(chat=GROUP, message_id=63, text="Any reply?"))
        c = await collector()
        await c.wait_for(processed(1))
        assert fake.sent == [] and c.status()["acks_sent"] == 0


class TestMalformed:
    async def test_a_malformed_update_is_skipped(
        self, fake: FakeTelegram, db, collector: CollectorFactory
    ) -> None:
        event = await _event(db, telegram_chats=(GROUP["id"],))
        fake.push(
            {"message": {"message_id": 1, "text": "no chat, no date"}},
            message(chat=GROUP, message_id=70, text="Still collected?"),
        )
        c = await collector()
        status = await c.wait_for(lambda s: s["updates_processed"] + s["updates_skipped"] >= 2)
        assert status["updates_skipped"] == 1
        assert [q.text for q in await _questions(db, event)] == ["Still collected?"]
        await fake.wait_until(lambda f: f.pending == [])


async def test_a_second_intake_is_not_needed_to_see_the_rows(
    fake: FakeTelegram, db, collector: CollectorFactory
) -> None:
    """The collector commits: a separate connection sees the question at once."""
    event = await _event(db, telegram_chats=(GROUP["id"],))
    c = await collector(intake=Intake())
    await c.wait_for(running)
    fake.push(message(chat=GROUP, message_id=80, text="Visible?"))
    await c.wait_for(processed(1))
    assert len(await _questions(db, event)) == 1


class TestRememberedChats:
    async def test_a_rename_is_kept_at_once_and_last_seen_to_the_minute(self, db) -> None:
        from collectors.telegram.parse import ChatSeen
        from collectors.telegram.store import SEEN_PRECISION, remember_chats

        async def seen(title: str, at: timedelta) -> TelegramChat:
            async with db() as s, s.begin():
                chats = [ChatSeen(id=GROUP["id"], title=title, type="supergroup", is_forum=False)]
                await remember_chats(s, chats=chats, now=T0 + at)
            async with db() as s:
                row = await s.get(TelegramChat, GROUP["id"])
                assert row is not None
                return row

        assert (await seen("Live Q&A", timedelta(0))).last_seen_at == T0
        # a busy chat's next batches within the minute write nothing
        assert (await seen("Live Q&A", SEEN_PRECISION / 2)).last_seen_at == T0
        half = SEEN_PRECISION / 2
        renamed = await seen("Live Q&A — day 2", half)
        assert (renamed.title, renamed.last_seen_at) == ("Live Q&A — day 2", T0 + half)
        later = SEEN_PRECISION * 2
        assert (await seen("Live Q&A — day 2", later)).last_seen_at == T0 + later


class TestBacklog:
    async def test_suggestions_wait_for_a_backlog_only_while_telegram_has_more(
        self, fake: FakeTelegram, db, collector: CollectorFactory
    ) -> None:
        # A full batch may mean more are waiting, so suggestions wait for the next fetch. When
        # that fetch turns out to be a long poll (nothing more came at once), the backlog is
        # gone: they are found now, not when the poll ends or the worker's patience runs out.
        await _event(db, telegram_chats=(GROUP["id"],))
        c = await collector(telegram_poll_limit=5, telegram_poll_timeout=30)
        await c.wait_for(running)
        words = ["alpha", "bravo", "charlie", "delta", "echo"]
        fake.push(
            *[
                message(chat=GROUP, message_id=i, sender=user(100 + i), text=f"Is {w} covered?")
                for i, w in enumerate(words, start=1)
            ]
        )
        await c.wait_for(processed(5))
        assert c.suggest_later.patience >= 2.0  # what the suggestions would otherwise wait
        assert await c.suggest_later.drain(within=1.0)


class TestReadAhead:
    async def test_the_reader_starts_with_long_polling(
        self, fake: FakeTelegram, db, collector: CollectorFactory
    ) -> None:
        # Ready for a flood's first batches: started by the first of them, the child was up
        # only once that flood was stored.
        from intake.text.ahead import TextsAhead

        ahead = TextsAhead()
        try:
            assert not ahead.started
            c = await collector(intake=Intake(ahead=ahead))
            await c.wait_for(running)
            assert ahead.started and ahead.sent == 0
            assert await ahead.ready() and ahead.pid is not None
        finally:
            await ahead.close()

    async def test_a_floods_texts_are_read_in_the_readers_process(
        self, fake: FakeTelegram, db, collector: CollectorFactory
    ) -> None:
        from intake.text.ahead import FROM, TextsAhead

        event_id = await _event(db, telegram_chats=(GROUP["id"],))
        ahead = TextsAhead()
        try:
            assert await ahead.ready()
            c = await collector(intake=Intake(ahead=ahead), telegram_poll_limit=FROM)
            await c.wait_for(running)
            n = 3 * FROM
            # The store held up on its first batch: the two fetched meanwhile wait for it.
            await c._one_at_a_time.acquire()
            fake.push(
                *[
                    message(chat=GROUP, message_id=i, sender=user(100 + i), text=text)
                    for i, text in enumerate(
                        [f"Will workstream {i} publish its report?" for i in range(n - 1)]
                        + ["great stream!"],
                        start=1,
                    )
                ]
            )
            for _ in range(1000):  # bounded: the later batches kept and read
                if len(c._reading) == 2 and all(t.done() for t in c._reading.values()):
                    break
                await asyncio.sleep(0.01)
            # Those batches went to the reader as they were fetched; the first, which the idle
            # store took at once, did not (it would not have been read back in time).
            assert ahead.sent == n - FROM
            c._one_at_a_time.release()
            await c.wait_for(processed(n))
            assert len(await _questions(db, event_id)) == n - 1
            assert await _count(db, ChatterCount, ChatterCount.event_id == event_id) == 1
            # Their readings were used, not read again (the same queue either way is
            # tests/intake/text/test_ahead.py's).
            assert ahead.taken >= n - FROM - 1
        finally:
            await ahead.close()
