"""Which sources the collector follows, and what it says about them."""

from __future__ import annotations

import json
from datetime import timedelta

from collectors.youtube.run import YoutubeCollector
from models import EventStatus, SourceState
from tests.collectors.youtube.conftest import START, VIDEO, World, eventually

OTHER = "9bZkp7q19f0"


async def _state(world: World, event_id: int, state: SourceState):
    async def check():
        source = await world.source(event_id)
        return source.state is state and source

    return await eventually(check)


class TestFollowing:
    async def test_without_a_key_nothing_is_called(self, world: World):
        event_id = await world.event()
        world.fake.add_video(VIDEO)
        collector = YoutubeCollector(
            world.settings(youtube_api_key=None),
            world.sessionmaker,
            world.intake,
            clock=world.vt.clock,
            sleep=world.vt.sleep,
        )
        world.collectors.append(collector)
        await collector.start()
        source = await _state(world, event_id, SourceState.stopped)
        assert "LIVEQ_YOUTUBE_API_KEY" in (source.state_reason or "")
        assert not world.fake.requests
        assert collector.status()["api_key_configured"] is False

    async def test_unknown_video_stops(self, world: World):
        missing = await world.event("aaaaaaaaaaa")
        await world.start_collector()
        source = await _state(world, missing, SourceState.stopped)
        assert "not found" in (source.state_reason or "")

    async def test_unknown_video_health_tells_the_host_to_check_the_link(self, world: World):
        from app.events.service import get_event, sources_health

        missing = await world.event("aaaaaaaaaaa")
        collector = await world.start_collector()
        await _state(world, missing, SourceState.stopped)
        async with world.sessionmaker() as s:
            event = await get_event(s, event_id=missing)
            health = await sources_health(s, event=event, collectors={"youtube": collector})
        [h] = health.values()
        assert (h.level, h.summary) == ("problem", "Stopped")
        assert "aaaaaaaaaaa not found" in (h.reason or "")
        assert "Check the video link" in (h.fix or "")
        assert h.quota is not None and h.quota.units_left is not None

    async def test_new_event_picked_up_and_ended_event_dropped(self, world: World):
        first = await world.event()
        world.fake.add_video(VIDEO)
        second_chat = world.fake.add_video(OTHER)
        collector = await world.start_collector(youtube_rescan_seconds=30.0)
        await _state(world, first, SourceState.active)
        second = await world.event(OTHER)
        world.fake.post(second_chat, "Did the rescan find this stream?", channel_id="UCa")

        async def found():
            return await world.questions(second)

        await eventually(found)
        assert {s["event_id"] for s in collector.status()["sources"]} == {first, second}
        await world.set_event(second, status=EventStatus.ended)

        async def dropped():
            return [s["event_id"] for s in collector.status()["sources"]] == [first]

        await eventually(dropped)
        polls = len(world.fake.calls("/messages"))
        chat_id = second_chat.live_chat_id
        await world.vt.sleep(120)
        later = [
            c for c in world.fake.calls("/messages")[polls:] if c[2]["liveChatId"] == [chat_id]
        ]
        assert later == []
        assert collector.source_status(second) == []
        source = await world.source(second)
        assert source.state is SourceState.waiting
        assert "not live" in (source.state_reason or "")


class TestStatus:
    async def test_two_chats_share_the_budget(self, world: World):
        # 1,000 units, two one-hour events: 100 reads each, one every 36 s.
        first = await world.event()
        second = await world.event(OTHER)
        for event_id in (first, second):
            await world.set_event(event_id, planned_end_at=START + timedelta(hours=1))
        world.fake.add_video(VIDEO)
        world.fake.add_video(OTHER)
        collector = await world.start_collector(youtube_daily_quota=1000)

        async def both_polled_twice():
            chats = [c[2]["liveChatId"][0] for c in world.fake.calls("/messages")]
            return len(chats) >= 6 and len(set(chats)) == 2

        await eventually(both_polled_twice)
        status = collector.status()
        json.dumps(status)
        intervals = [s["interval_seconds"] for s in status["sources"]]
        assert all(30 <= i <= 37 for i in intervals), intervals
        for entry in status["sources"]:
            assert entry["state"] == "active"
            assert entry["units_left_today"] == 1000 - entry["units_used_today"]
            assert entry["projected_exhaustion_at"] is not None
            assert entry["next_reset_at"].startswith("2026-02-16T08:00")
        # Charged before each call: at most one call per chat is in flight.
        assert 0 <= status["quota"]["units_used"] - world.fake.units_today() <= 10

    async def test_streams_not_started_keep_their_checks_out_of_the_budget(self, world: World):
        # 1,000 units over a one-hour event; a second stream, not started, is checked every
        # 10 s for that hour: 360 units kept for it, 640 left for 128 reads, one every 28 s
        # (18 s without the reserve, and the checks would then eat into the live chat's end).
        live = await world.event()
        await world.set_event(live, planned_end_at=START + timedelta(hours=1))
        waiting = await world.event(OTHER)
        world.fake.add_video(VIDEO, polling_interval_ms=2000)
        world.fake.add_video(OTHER, live=False)
        collector = await world.start_collector(
            youtube_daily_quota=1000, youtube_waiting_check_seconds=10
        )

        async def paced():
            statuses = {s["event_id"]: s for s in collector.status()["sources"]}
            return (
                len(world.fake.calls("/messages")) >= 3
                and statuses.get(waiting, {}).get("state") == "waiting"
            )

        await eventually(paced)
        [status] = [s for s in collector.status()["sources"] if s["event_id"] == live]
        assert 26.0 <= status["interval_seconds"] <= 30.0, status


class TestNetwork:
    async def test_unreachable_api_backs_off_without_stopping(self, world: World, caplog):
        event_id = await world.event()
        # Port 9 (discard) on the loopback: nothing listens, the connection is refused.
        collector = await world.start_collector(youtube_api_endpoint="http://127.0.0.1:9")

        async def retried():
            return caplog.text.count("network error") >= 4

        await eventually(retried)
        source = await world.source(event_id)
        assert source.state is SourceState.waiting  # still trying, not given up
        assert collector.status()["sources"][0]["state"] == "waiting"
