"""The collector against the fake YouTube API at its limits: a stream not started yet, errors,
pacing, the day's quota, and the key kept out of logs."""

from __future__ import annotations

import json
import logging
from datetime import timedelta

from collectors.youtube import pacing
from models import SourceState
from tests.collectors.youtube.conftest import KEY, START, VIDEO, World, eventually
from tests.collectors.youtube.test_collect import _distinct


class TestWaitingForTheStream:
    async def test_checks_slowly_until_the_stream_starts(self, world: World):
        event_id = await world.event()
        chat = world.fake.add_video(VIDEO, live=False)
        collector = await world.start_collector()

        async def waiting():
            return (await world.source(event_id)).state is SourceState.waiting

        await eventually(waiting)

        async def checked_thrice():
            return len(world.fake.calls("/videos")) >= 3

        await eventually(checked_thrice)
        times = [c[0] for c in world.fake.calls("/videos")]
        assert all(b - a >= timedelta(seconds=60) for a, b in zip(times, times[1:], strict=False))
        assert not world.fake.calls("/messages")
        assert "not started" in collector.source_status(event_id)[0]["reason"]
        world.fake.go_live(VIDEO)
        world.fake.post(chat, "When does the vote close?", channel_id="UCa")

        async def one():
            return await world.questions(event_id)

        await eventually(one)


class TestErrors:
    async def test_bad_key_stops_with_a_clear_reason(self, world: World):
        event_id = await world.event()
        world.fake.add_video(VIDEO)
        world.fake.api_key = "another-key"
        await world.start_collector()

        async def stopped():
            source = await world.source(event_id)
            return source.state is SourceState.stopped and source

        source = await eventually(stopped)
        assert "API key is not valid" in (source.state_reason or "")
        calls = len(world.fake.requests)
        await world.vt.sleep(3600)
        assert len(world.fake.requests) == calls

    async def test_chat_disabled_stops(self, world: World):
        event_id = await world.event()
        chat = world.fake.add_video(VIDEO)
        chat.disabled = True
        await world.start_collector()

        async def stopped():
            source = await world.source(event_id)
            return source.state is SourceState.stopped and source

        source = await eventually(stopped)
        assert "disabled" in (source.state_reason or "")

    async def test_server_errors_back_off_and_recover(self, world: World):
        event_id = await world.event()
        chat = world.fake.add_video(VIDEO)
        world.fake.fail_next += [("/messages", 503, "backendError")] * 3
        await world.start_collector()
        world.fake.post(chat, "Does it survive a hiccup?", channel_id="UCa")

        async def one():
            return await world.questions(event_id)

        await eventually(one)
        failed = [c[0] for c in world.fake.calls("/messages") if c[3] == 503]
        assert len(failed) == 3
        gaps = [(b - a).total_seconds() for a, b in zip(failed, failed[1:], strict=False)]
        assert gaps[1] > gaps[0]  # exponential

    async def test_rate_limit_slows_down(self, world: World):
        event_id = await world.event()
        chat = world.fake.add_video(VIDEO)
        await world.start_collector()
        world.fake.post(chat, "First?", channel_id="UCa")

        async def one():
            return await world.questions(event_id)

        await eventually(one)
        world.fake.fail_next.append(("/messages", 403, "rateLimitExceeded"))
        world.fake.post(chat, "Second question here?", channel_id="UCb")

        async def two():
            return len(await world.questions(event_id)) == 2

        await eventually(two)
        assert (await world.source(event_id)).state is SourceState.active


class TestPacing:
    async def test_never_polls_faster_than_the_api_asks(self, world: World):
        event_id = await world.event()
        chat = world.fake.add_video(VIDEO, polling_interval_ms=7000)
        collector = await world.start_collector(youtube_rescan_seconds=1.0)
        for n in range(3):
            world.fake.post(chat, _distinct(n), channel_id=f"U{n}")

        await world.chat_reads(15)
        times = [c[0] for c in world.fake.calls("/messages")]
        assert all(b - a >= timedelta(seconds=7) for a, b in zip(times, times[1:], strict=False))
        assert world.fake.rate_limited == 0
        [status] = collector.source_status(event_id)
        assert status["interval_seconds"] >= 7
        json.dumps(collector.status())

    async def test_the_interval_runs_from_the_answer_not_from_the_commit(
        self, world: World, monkeypatch
    ):
        # Storing each page takes 3 s: the next read comes 7 s after the answer, not 10.
        from collectors.youtube import follow

        real = follow.ingest_page

        async def slow(*args, **kwargs):
            world.vt.now += timedelta(seconds=3)
            return await real(*args, **kwargs)

        monkeypatch.setattr(follow, "ingest_page", slow)
        await world.event()
        chat = world.fake.add_video(VIDEO, polling_interval_ms=7000)
        await world.start_collector()
        for n in range(5):
            world.fake.post(chat, _distinct(n), channel_id=f"U{n}")

        await world.chat_reads(5)
        times = [c[0] for c in world.fake.calls("/messages")][:5]
        gaps = [(b - a).total_seconds() for a, b in zip(times, times[1:], strict=False)]
        assert gaps == [7.0] * 4
        assert world.fake.rate_limited == 0

    async def test_paced_by_quota_over_the_planned_end(self, world: World):
        # 1,000 units for a 1-hour event: 200 calls in 3,600 s, one every 18 s.
        event_id = await world.event()
        await world.set_event(event_id, planned_end_at=START + timedelta(hours=1))
        world.fake.add_video(VIDEO, polling_interval_ms=2000)
        collector = await world.start_collector(youtube_daily_quota=1000)

        await world.chat_reads(4)
        [status] = collector.source_status(event_id)
        assert 17.0 <= status["interval_seconds"] <= 19.0
        times = [c[0] for c in world.fake.calls("/messages")]
        assert all(b - a >= timedelta(seconds=17) for a, b in zip(times, times[1:], strict=False))


class TestQuota:
    async def test_quota_exceeded_waits_for_the_pacific_reset(self, world: World):
        event_id = await world.event()
        chat = world.fake.add_video(VIDEO)
        world.fake.daily_quota = 1 + 5 * 4  # videos.list, then four polls
        # Hold virtual time once refused, to look at the collector before the reset.
        world.vt.pause_when = lambda: any(c[3] == 403 for c in world.fake.requests)
        collector = await world.start_collector()
        world.fake.post(chat, "Is there a quota?", channel_id="UCa")

        async def stopped():
            source = await world.source(event_id)
            return source.state is SourceState.stopped and source

        source = await eventually(stopped)
        reset = pacing.next_reset(START)
        assert reset.isoformat(timespec="minutes") in (source.state_reason or "")
        assert "quota" in (source.state_reason or "")
        refused_at = [c[0] for c in world.fake.requests if c[3] == 403][0]
        assert collector.status()["quota"]["units_left"] == 0
        assert collector.source_status(event_id)[0]["state"] == "stopped"
        world.fake.post(chat, "Are we back after midnight?", channel_id="UCb")
        world.vt.pause_when = lambda: False

        async def back():
            return len(await world.questions(event_id)) == 2

        await eventually(back, within=20)
        after = [c[0] for c in world.fake.requests if c[0] > refused_at]
        assert after and min(after) >= reset
        # One refusal, then silence until the reset: no retry loop.
        assert [c[0] for c in world.fake.requests if c[0] < reset][-1] == refused_at

    async def test_own_budget_stops_before_the_api_refuses(self, world: World):
        event_id = await world.event()
        world.fake.add_video(VIDEO)
        world.vt.pause_when = lambda: (
            bool(world.collectors)
            and any(s["state"] == "stopped" for s in world.collectors[0].status()["sources"])
        )
        await world.start_collector(youtube_daily_quota=1 + 5 * 3)

        async def stopped():
            source = await world.source(event_id)
            return source.state is SourceState.stopped and source

        await eventually(stopped)
        assert len(world.fake.calls("/messages")) == 3
        assert all(c[3] == 200 for c in world.fake.requests)

    async def test_quota_spent_survives_a_restart(self, world: World):
        event_id = await world.event()
        world.fake.add_video(VIDEO)
        first = await world.start_collector()

        await world.chat_reads(2)
        await first.stop()
        spent = world.fake.units_today()
        second = await world.start_collector()
        assert second.status()["quota"]["units_used"] >= spent
        assert event_id


class TestKeyRedaction:
    async def test_key_never_reaches_a_log(self, world: World, caplog):
        caplog.set_level(logging.DEBUG)
        event_id = await world.event()
        chat = world.fake.add_video(VIDEO)
        world.fake.fail_next += [
            ("/messages", 503, "backendError"),
            ("/messages", 403, "rateLimitExceeded"),
        ]
        await world.start_collector()
        world.fake.post(chat, "Is my key safe?", channel_id="UCa")

        async def one():
            return await world.questions(event_id)

        await eventually(one)
        world.fake.fail_next.append(("/messages", 400, "keyInvalid"))

        async def stopped():
            return (await world.source(event_id)).state is SourceState.stopped

        await eventually(stopped)
        assert "URL being requested" in caplog.text  # the client did log its URLs
        assert KEY not in caplog.text
        assert all(KEY not in r.getMessage() for r in caplog.records)
        assert KEY not in json.dumps(world.collectors[0].status())
