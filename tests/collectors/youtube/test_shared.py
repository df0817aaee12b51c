"""One video listed by several live events: one reader, every event served."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select, update

from collectors.youtube import store
from collectors.youtube.readers import resume_point
from fakes.youtube import Author
from models import Ask, EventSource, EventStatus, QuestionStatus, SourceState
from tests.collectors.youtube.conftest import START, VIDEO, World, eventually
from tests.collectors.youtube.test_collect import _distinct


def _has(world: World, event_id: int, n: int):
    async def check():
        questions = await world.questions(event_id)
        return len(questions) == n and questions

    return check


async def _asks(world: World, event_id: int) -> int:
    async with world.sessionmaker() as s:
        return int(await s.scalar(select(func.count(Ask.id)).where(Ask.event_id == event_id)) or 0)


def _token_saved(world: World, event_id: int):
    async def check():
        return (await world.source(event_id)).youtube_page_token

    return check


def _gaps(world: World) -> list[float]:
    times = [c[0] for c in world.fake.calls("/messages")]
    return [(b - a).total_seconds() for a, b in zip(times, times[1:], strict=False)]


class TestOneReader:
    async def test_one_read_per_interval_serves_both_events(self, world: World):
        english = await world.event()
        spanish = await world.event()
        chat = world.fake.add_video(VIDEO)
        collector = await world.start_collector()
        world.fake.post(chat, "When does the vote close?", channel_id="UCa")

        await eventually(_has(world, english, 1))
        await eventually(_has(world, spanish, 1))

        await world.chat_reads(6)
        assert len(world.fake.calls("/videos")) == 1
        # Two readers of one chat would poll it twice per interval: the fake refuses the second.
        assert world.fake.rate_limited == 0
        assert all(gap >= 2.0 for gap in _gaps(world)), _gaps(world)
        assert collector._polling_chats() == 1
        first, second = await world.source(english), await world.source(spanish)
        assert first.youtube_page_token and first.youtube_page_token == second.youtube_page_token
        by_event = {s["event_id"]: s for s in collector.status()["sources"]}
        assert set(by_event) == {english, spanish}
        for event_id in (english, spanish):
            [status] = collector.source_status(event_id)
            assert status["state"] == "active" and status["interval_seconds"] is not None
            assert status["live_chat_id"] == chat.live_chat_id

    async def test_moderators_count_only_where_the_event_says_so(self, world: World):
        with_mods = await world.event(include_moderators=True)
        without = await world.event()
        chat = world.fake.add_video(VIDEO)
        world.fake.post(
            chat, "Is the recording shared afterwards?", author=Author("UCm", "Mod", moderator=True)
        )
        world.fake.post(chat, "When is the next town hall?", channel_id="UCt")
        await world.start_collector()

        both = await eventually(_has(world, with_mods, 2))
        [only] = await eventually(_has(world, without, 1))
        assert {q.text for q in both} == {
            "Is the recording shared afterwards?",
            "When is the next town hall?",
        }
        assert only.text == "When is the next town hall?"

    async def test_deletion_and_ban_reach_every_event(self, world: World):
        first = await world.event()
        second = await world.event()
        chat = world.fake.add_video(VIDEO)
        await world.start_collector()
        spam = world.fake.post(chat, "Is this the best crypto deal today?", channel_id="UCs")
        world.fake.post(chat, "Why is the mayor a lizard?", channel_id="UCtroll")
        world.fake.post(chat, "When is the next town hall?", channel_id="UCt")
        for event_id in (first, second):
            await eventually(_has(world, event_id, 3))
        world.fake.delete(chat, spam)
        world.fake.ban(chat, "UCtroll", "Troll")

        def only_the_town_hall_open(event_id: int):
            async def check():
                qs = await world.questions(event_id)
                return [q.text for q in qs if q.status is QuestionStatus.open] == [
                    "When is the next town hall?"
                ]

            return check

        for event_id in (first, second):
            await eventually(only_the_town_hall_open(event_id))


class TestMembersComeAndGo:
    async def test_one_event_ending_leaves_the_other_reading(self, world: World):
        ending = await world.event()
        staying = await world.event()
        chat = world.fake.add_video(VIDEO)
        collector = await world.start_collector(youtube_rescan_seconds=30.0)
        world.fake.post(chat, "When does the vote close?", channel_id="UCa")
        await eventually(_has(world, ending, 1))
        await eventually(_has(world, staying, 1))
        await world.set_event(ending, status=EventStatus.ended)

        async def dropped():
            return [s["event_id"] for s in collector.status()["sources"]] == [staying]

        await eventually(dropped)
        world.fake.post(chat, "Who pays for free school meals?", channel_id="UCb")
        await eventually(_has(world, staying, 2))
        assert len(await world.questions(ending)) == 1
        source = await world.source(ending)
        assert source.state is SourceState.waiting and "not live" in (source.state_reason or "")
        assert (await world.source(staying)).state is SourceState.active
        # Same reader throughout: no second look-up of the stream, no pause in the polling.
        assert len(world.fake.calls("/videos")) == 1
        assert max(_gaps(world)) < 5.0, _gaps(world)
        assert world.fake.rate_limited == 0

    async def test_an_event_listing_a_video_being_read_joins_its_reader(self, world: World):
        first = await world.event()
        chat = world.fake.add_video(VIDEO)
        collector = await world.start_collector(youtube_rescan_seconds=30.0)
        world.fake.post(chat, "When does the vote close?", channel_id="UCa")
        await eventually(_has(world, first, 1))
        second = await world.event()

        async def joined():
            return len(collector.status()["sources"]) == 2

        await eventually(joined)
        world.fake.post(chat, "Who pays for free school meals?", channel_id="UCb")
        await eventually(_has(world, first, 2))
        [later] = await eventually(_has(world, second, 1))
        assert later.text == "Who pays for free school meals?"  # from the next page on
        assert len(world.fake.calls("/videos")) == 1
        assert world.fake.rate_limited == 0
        assert {s["state"] for s in collector.source_status(second)} == {"active"}

    async def test_a_source_removed_mid_read_leaves_the_other_reading(self, world: World):
        removed = await world.event()
        staying = await world.event()
        chat = world.fake.add_video(VIDEO)
        await world.start_collector()
        world.fake.post(chat, "When does the vote close?", channel_id="UCa")
        await eventually(_has(world, removed, 1))
        await eventually(_has(world, staying, 1))
        async with world.sessionmaker() as s, s.begin():
            await s.execute(delete(EventSource).where(EventSource.event_id == removed))
        world.fake.post(chat, "Who pays for free school meals?", channel_id="UCb")
        await eventually(_has(world, staying, 2))
        world.fake.post(chat, "Is the new library keeping Sunday hours?", channel_id="UCc")
        await eventually(_has(world, staying, 3))
        assert len(await world.questions(removed)) == 1


class TestSharedResume:
    async def test_restart_resumes_both_without_loss_or_duplicates(self, world: World):
        first = await world.event()
        second = await world.event()
        chat = world.fake.add_video(VIDEO)
        chat.recent = 3  # the first read without a token sees only recent messages
        collector = await world.start_collector()
        await eventually(_token_saved(world, second))
        for n in range(5):
            world.fake.post(chat, _distinct(n), channel_id=f"U{n}")
        await eventually(_has(world, first, 5))
        await eventually(_has(world, second, 5))
        await collector.stop()
        saved = (await world.source(first)).youtube_page_token
        assert saved and (await world.source(second)).youtube_page_token == saved
        for n in range(5, 12):  # more than `recent` while nobody reads: none may be lost
            world.fake.post(chat, _distinct(n), channel_id=f"U{n}")
        polls_before = len(world.fake.calls("/messages"))
        await world.start_collector()

        for event_id in (first, second):
            await eventually(_has(world, event_id, 12))
        resumed = world.fake.calls("/messages")[polls_before:]
        assert resumed[0][2]["pageToken"] == [saved]
        # Read once for both (a first try refused as too soon after the last poll aside).
        assert sum(c[2].get("pageToken") == [saved] and c[3] == 200 for c in resumed) == 1
        for event_id in (first, second):
            assert await _asks(world, event_id) == 12
            assert all(q.ask_count == 1 for q in await world.questions(event_id))

    async def test_a_source_added_while_down_resumes_from_the_others_token(self, world: World):
        first = await world.event()
        chat = world.fake.add_video(VIDEO)
        chat.recent = 3
        collector = await world.start_collector()
        await eventually(_token_saved(world, first))
        for n in range(5):
            world.fake.post(chat, _distinct(n), channel_id=f"U{n}")
        await eventually(_has(world, first, 5))
        await collector.stop()
        saved = (await world.source(first)).youtube_page_token
        second = await world.event()  # no token yet
        for n in range(5, 12):
            world.fake.post(chat, _distinct(n), channel_id=f"U{n}")
        polls_before = len(world.fake.calls("/messages"))
        await world.start_collector()

        await eventually(_has(world, first, 12))
        # From the first source's place, not just the 3 most recent messages.
        await eventually(_has(world, second, 7))
        assert world.fake.calls("/messages")[polls_before][2]["pageToken"] == [saved]
        assert await _asks(world, first) == 12

    async def test_different_tokens_resume_from_the_source_saved_least_recently(self, world: World):
        behind = await world.event()
        ahead = await world.event()
        chat = world.fake.add_video(VIDEO)
        for n in range(6):
            world.fake.post(chat, _distinct(n), channel_id=f"U{n}")
        # As the fake pages: the token of message index 2, and of index 4.
        token_2, token_4 = "Mg==", "NA=="
        for event_id, token, at in ((behind, token_2, 1), (ahead, token_4, 2)):
            async with world.sessionmaker() as s, s.begin():
                await s.execute(
                    update(EventSource)
                    .where(EventSource.event_id == event_id)
                    .values(
                        youtube_live_chat_id=chat.live_chat_id,
                        youtube_page_token=token,
                        state=SourceState.active,
                        updated_at=START - timedelta(minutes=10 - at),
                    )
                )
        await world.start_collector()

        await eventually(_has(world, behind, 4))  # messages 2-5: nothing lost for either
        await eventually(_has(world, ahead, 4))
        assert world.fake.calls("/messages")[0][2]["pageToken"] == [token_2]
        assert all(q.ask_count == 1 for q in await world.questions(ahead))


class TestResumePoint:
    @staticmethod
    def _row(source_id: int, token: str | None, minute: int) -> store.SourceRow:
        return store.SourceRow(
            source_id=source_id,
            event_id=source_id,
            video_id=VIDEO,
            live_chat_id="chat" if token else None,
            page_token=token,
            state=SourceState.waiting,
            reason=None,
            include_moderators=False,
            planned_end_at=None,
            updated_at=datetime(2026, 2, 15, 17, minute, tzinfo=UTC),
        )

    def test_no_token(self):
        assert resume_point([self._row(1, None, 0), self._row(2, None, 1)]) == (None, None)

    def test_the_only_token_wins_over_none(self):
        rows = [self._row(1, None, 0), self._row(2, "T", 1)]
        assert resume_point(rows) == ("chat", "T")

    def test_the_source_saved_least_recently_wins(self):
        rows = [self._row(1, "newer", 5), self._row(2, "older", 3)]
        assert resume_point(rows) == ("chat", "older")


class TestSharedPacing:
    async def test_a_shared_chat_counts_once_in_the_budget(self, world: World):
        # 1,000 units, one chat for two one-hour events: 200 reads, one every 18 s (36 s if
        # the chat counted twice).
        first = await world.event()
        second = await world.event()
        for event_id in (first, second):
            await world.set_event(event_id, planned_end_at=START + timedelta(hours=1))
        world.fake.add_video(VIDEO, polling_interval_ms=2000)
        collector = await world.start_collector(youtube_daily_quota=1000)

        await world.chat_reads(4)
        intervals = [s["interval_seconds"] for s in collector.status()["sources"]]
        assert len(intervals) == 2 and all(17.0 <= i <= 19.0 for i in intervals), intervals
        assert all(17.0 <= gap <= 19.5 for gap in _gaps(world)), _gaps(world)
        # Charged once per call: 1 for videos.list, 5 per read.
        assert collector.status()["quota"]["units_used"] - world.fake.units_today() in (0, 5)
