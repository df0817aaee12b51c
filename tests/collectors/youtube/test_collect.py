"""The collector with the real googleapiclient against the fake YouTube API."""

from __future__ import annotations

from sqlalchemy import func, select

from fakes.youtube import Author
from models import Ask, QuestionStatus, SourceState
from tests.collectors.youtube.conftest import VIDEO, World, eventually

DISTINCT = [
    "When will the bus lanes on Main Street open?",
    "Who pays for free school meals next year?",
    "Is the new library keeping Sunday hours?",
    "Why did parking fees double in March?",
    "Can the river path get better lighting?",
    "How many streetlights are being replaced?",
    "Which recycling days change after the holidays?",
    "Does the youth centre need volunteers?",
    "Are park benches being removed downtown?",
    "Could tram tickets be bought by phone?",
    "What happened to the swimming pool repairs?",
    "How is council tax spent on roads?",
    "Where can I store my bike at the station?",
    "Will the night market return in spring?",
]


def _distinct(n: int) -> str:
    return DISTINCT[n]


class TestMessagesBecomeQuestions:
    async def test_questions_arrive_owner_and_moderators_ignored(self, world: World):
        event_id = await world.event()
        chat = world.fake.add_video(VIDEO)
        world.fake.post(chat, "When does the vote close?", channel_id="UCa", name="Ann")
        world.fake.post(chat, "hello from Lagos!", channel_id="UCb")
        world.fake.post(chat, "Will you take questions on the budget?", author=chat.owner)
        world.fake.post(
            chat,
            "Is the recording shared afterwards?",
            author=Author("UCmod", "Mod", moderator=True),
        )
        await world.start_collector()

        async def one():
            return await world.questions(event_id)

        [question] = await eventually(one)
        assert question.text == "When does the vote close?"
        world.fake.post(chat, "when does the VOTE close??", channel_id="UCc")

        async def merged():
            [q] = await world.questions(event_id)
            return q.ask_count == 2

        await eventually(merged)
        source = await world.source(event_id)
        assert source.state is SourceState.active
        assert source.youtube_live_chat_id == chat.live_chat_id
        assert source.youtube_page_token

    async def test_moderators_count_when_the_event_says_so(self, world: World):
        event_id = await world.event(include_moderators=True)
        chat = world.fake.add_video(VIDEO)
        world.fake.post(
            chat,
            "Is the recording shared afterwards?",
            author=Author("UCmod", "Mod", moderator=True),
        )
        await world.start_collector()

        async def one():
            return await world.questions(event_id)

        [question] = await eventually(one)
        assert question.text == "Is the recording shared afterwards?"

    async def test_super_chat_is_a_paid_question(self, world: World):
        event_id = await world.event(paid_boost=5)
        chat = world.fake.add_video(VIDEO)
        await world.start_collector()
        world.fake.super_chat(chat, "Can you cover housing next week?")

        async def one():
            return await world.questions(event_id)

        [question] = await eventually(one)
        assert question.paid and question.score == 1 + 5


class TestResume:
    async def test_restart_resumes_without_loss_or_duplicates(self, world: World):
        event_id = await world.event()
        chat = world.fake.add_video(VIDEO)
        chat.recent = 3  # the first read without a token sees only recent messages
        first = await world.start_collector()

        async def first_page_stored():
            return (await world.source(event_id)).youtube_page_token

        await eventually(first_page_stored)
        for n in range(5):
            world.fake.post(chat, _distinct(n), channel_id=f"U{n}")

        async def five():
            return len(await world.questions(event_id)) == 5

        await eventually(five)
        await first.stop()
        saved = (await world.source(event_id)).youtube_page_token
        assert saved
        # While nobody polls, more than `recent` messages arrive: none may be lost.
        for n in range(5, 12):
            world.fake.post(chat, _distinct(n), channel_id=f"U{n}")
        polls_before = len(world.fake.calls("/messages"))
        await world.start_collector()

        async def twelve():
            return len(await world.questions(event_id)) == 12

        await eventually(twelve)
        resumed = world.fake.calls("/messages")[polls_before]
        assert resumed[2]["pageToken"] == [saved]
        async with world.sessionmaker() as s:
            asks = await s.scalar(select(func.count(Ask.id)).where(Ask.event_id == event_id))
        assert asks == 12
        assert all(q.ask_count == 1 for q in await world.questions(event_id))


class TestChangesAtTheSource:
    async def test_deleted_message_hides_its_question(self, world: World):
        event_id = await world.event()
        chat = world.fake.add_video(VIDEO)
        await world.start_collector()
        spam = world.fake.post(chat, "Is this the best crypto deal today?", channel_id="UCs")
        world.fake.post(chat, "When is the next town hall?", channel_id="UCt")

        async def two():
            return len(await world.questions(event_id)) == 2

        await eventually(two)
        world.fake.delete(chat, spam)

        async def hidden():
            qs = {q.text: q.status for q in await world.questions(event_id)}
            return qs["Is this the best crypto deal today?"] is QuestionStatus.hidden and qs

        statuses = await eventually(hidden)
        assert statuses["When is the next town hall?"] is QuestionStatus.open

    async def test_deleted_in_the_same_page(self, world: World):
        event_id = await world.event()
        chat = world.fake.add_video(VIDEO)
        spam = world.fake.post(chat, "Is this the best crypto deal today?", channel_id="UCs")
        world.fake.delete(chat, spam)
        world.fake.post(chat, "When is the next town hall?", channel_id="UCt")
        await world.start_collector()

        async def settled():
            qs = await world.questions(event_id)
            return len(qs) == 2 and {q.text: q.status for q in qs}

        statuses = await eventually(settled)
        assert statuses["Is this the best crypto deal today?"] is QuestionStatus.hidden

    async def test_banned_author_questions_hidden(self, world: World):
        event_id = await world.event()
        chat = world.fake.add_video(VIDEO)
        await world.start_collector()
        world.fake.post(chat, "Why is the mayor a lizard?", channel_id="UCtroll")
        world.fake.post(chat, "Are lizards running the council?", channel_id="UCtroll")
        world.fake.post(chat, "When is the next town hall?", channel_id="UCt")

        async def three():
            return len(await world.questions(event_id)) == 3

        await eventually(three)
        world.fake.ban(chat, "UCtroll", "Troll")

        async def hidden():
            qs = await world.questions(event_id)
            return sum(q.status is QuestionStatus.hidden for q in qs) == 2 and qs

        qs = await eventually(hidden)
        assert [q.text for q in qs if q.status is QuestionStatus.open] == [
            "When is the next town hall?"
        ]


class TestChatEnd:
    async def test_chat_end_stops_polling_and_marks_ended(self, world: World):
        event_id = await world.event()
        chat = world.fake.add_video(VIDEO)
        collector = await world.start_collector()

        async def active():
            return (await world.source(event_id)).state is SourceState.active

        await eventually(active)
        world.fake.post(chat, "Last question: when is the next one?", channel_id="UCa")
        world.fake.end_stream(VIDEO)

        async def ended():
            return (await world.source(event_id)).state is SourceState.ended

        await eventually(ended)
        assert len(await world.questions(event_id)) == 1
        polls = len(world.fake.calls("/messages"))
        await world.vt.sleep(600)
        assert len(world.fake.calls("/messages")) == polls
        [status] = collector.source_status(event_id)
        assert status["state"] == "ended"

    async def test_stream_already_over(self, world: World):
        event_id = await world.event()
        world.fake.add_video(VIDEO)
        world.fake.end_stream(VIDEO)
        await world.start_collector()

        async def ended():
            source = await world.source(event_id)
            return source.state is SourceState.ended and source

        source = await eventually(ended)
        assert "ended" in (source.state_reason or "")
        assert not world.fake.calls("/messages")

    async def test_live_chat_ended_error(self, world: World):
        event_id = await world.event()
        chat = world.fake.add_video(VIDEO)
        await world.start_collector()
        world.fake.post(chat, "Is the budget public?", channel_id="UCa")

        async def one():
            return await world.questions(event_id)

        await eventually(one)
        world.fake.fail_next.append(("/messages", 403, "liveChatEnded"))

        async def ended():
            return (await world.source(event_id)).state is SourceState.ended

        await eventually(ended)


class TestBacklog:
    async def test_suggestions_wait_while_pages_come_full(self, world: World, monkeypatch):
        # A full page means more may be waiting: the backlog is read first, as for Telegram's
        # full batches; the first page that is not full lets the suggestions go.
        from collectors.youtube.run import YoutubeCollector

        monkeypatch.setattr("collectors.youtube.api.MAX_RESULTS", 3)
        monkeypatch.setattr("collectors.youtube.follow.MAX_RESULTS", 3)
        await world.event()
        chat = world.fake.add_video(VIDEO)
        for i in range(4):
            world.fake.post(chat, _distinct(i), channel_id=f"UC{i}")
        seen: list[tuple[int, bool]] = []
        collector = YoutubeCollector(
            world.settings(),
            world.sessionmaker,
            world.intake,
            clock=world.vt.clock,
            sleep=world.vt.sleep,
            on_page=lambda report: seen.append((report.messages, collector.suggest_later.held)),
        )
        world.collectors.append(collector)
        await collector.start()

        async def two_pages():
            return len(seen) >= 2

        await eventually(two_pages)
        assert seen[:2] == [(3, True), (1, False)]
