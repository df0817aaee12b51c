"""Going live, noticed in seconds: a stream that has not started is checked often around its
scheduledStartTime, slowly otherwise, within a bounded share of the day's quota."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from collectors.youtube.pacing import (
    GOING_LIVE_EVERY,
    going_live_interval,
    going_live_units,
    waiting_check,
)
from collectors.youtube.parse import stream_state
from models import SourceState
from tests.collectors.youtube.conftest import START, VIDEO, World, eventually

SCHEDULED = datetime(2026, 2, 15, 18, 30, tzinfo=UTC)


def _check(now: datetime, **overrides: object) -> float:
    values: dict[str, object] = {
        "now": now,
        "scheduled_start": SCHEDULED,
        "slow": 60.0,
        "daily_quota": 10_000,
        "units_left": 10_000,
        "waiting": 1,
    }
    values.update(overrides)
    return waiting_check(**values)  # type: ignore[arg-type]


class TestWaitingCheck:
    def test_slow_far_from_the_start_and_without_a_schedule(self):
        assert _check(SCHEDULED - timedelta(hours=1)) == 60.0
        assert _check(SCHEDULED + timedelta(minutes=15)) == 60.0
        assert _check(SCHEDULED, scheduled_start=None) == 60.0

    def test_the_slow_pace_never_sleeps_past_the_window_opening(self):
        assert _check(SCHEDULED - timedelta(minutes=5, seconds=20)) == 20.0

    @pytest.mark.parametrize("offset", [-300, -1, 0, 60, 899])
    def test_every_five_seconds_from_five_minutes_before_to_fifteen_after(self, offset):
        assert _check(SCHEDULED + timedelta(seconds=offset)) == GOING_LIVE_EVERY

    def test_many_streams_share_a_bounded_part_of_the_day(self):
        # 5 % of 10,000 units = 500 checks over 20-minute windows: 5 streams, 100 each.
        every = going_live_interval(daily_quota=10_000, units_left=10_000, waiting=5)
        assert every == pytest.approx(12.0)
        assert _check(SCHEDULED, waiting=5) == pytest.approx(12.0)
        per_stream = going_live_units(
            now=SCHEDULED - timedelta(minutes=5), scheduled_start=SCHEDULED, every=every
        )
        assert 5 * per_stream <= 500

    def test_a_small_quota_or_little_left_falls_back_to_the_slow_pace(self):
        assert going_live_interval(daily_quota=1_000, units_left=1_000, waiting=1) == 24.0
        assert _check(SCHEDULED, daily_quota=300, units_left=300) == 60.0
        assert _check(SCHEDULED, units_left=30) == 60.0

    def test_units_for_the_rest_of_a_window(self):
        assert going_live_units(now=SCHEDULED, scheduled_start=SCHEDULED, every=5.0) == 180
        assert (
            going_live_units(
                now=SCHEDULED + timedelta(hours=1), scheduled_start=SCHEDULED, every=5.0
            )
            == 0
        )
        assert going_live_units(now=SCHEDULED, scheduled_start=None, every=5.0) == 0


def test_the_scheduled_start_is_read_and_a_bad_one_ignored():
    def payload(details: dict[str, object]) -> dict[str, object]:
        return {"items": [{"id": VIDEO, "liveStreamingDetails": details}]}

    state = stream_state(payload({"scheduledStartTime": "2026-02-15T18:30:00Z"}), video=VIDEO)
    assert state.scheduled_start == SCHEDULED
    assert (
        stream_state(payload({"scheduledStartTime": "soon"}), video=VIDEO).scheduled_start is None
    )
    assert stream_state(payload({"scheduledStartTime": 7}), video=VIDEO).scheduled_start is None


async def test_a_stream_going_live_late_is_read_within_seconds(world: World):
    """Scheduled for 18:10, live at 18:12:02: checked at start and each minute, then from
    18:05 every 5 s, and read within 5 s of going live."""
    scheduled = START + timedelta(minutes=10)
    event_id = await world.event()
    chat = world.fake.add_video(VIDEO, live=False, scheduled_at=scheduled)
    went_live = scheduled + timedelta(minutes=2, seconds=2)

    async def go_live_later() -> None:
        await world.vt.sleep((went_live - START).total_seconds())
        world.fake.go_live(VIDEO)
        world.fake.post(chat, "Are we live now?", channel_id="UCa")

    world.vt.pause_when = lambda: True  # the collector's first check happens at START
    await world.start_collector()

    async def checked():
        return world.fake.calls("/videos")

    await eventually(checked)
    going = asyncio.create_task(go_live_later())
    await asyncio.sleep(0)
    world.vt.pause_when = lambda: False

    async def read():
        return await world.questions(event_id)

    await eventually(read, within=30)
    await going
    checks = [c[0] for c in world.fake.calls("/videos") if c[0] <= went_live]
    first_read = world.fake.calls("/messages")[0][0]
    assert timedelta(0) <= first_read - went_live <= timedelta(seconds=GOING_LIVE_EVERY)
    # Slowly before the window: at start, then each minute until it opens at 18:05 ...
    opens = scheduled - timedelta(minutes=5)
    assert [t for t in checks if t <= opens] == [START + timedelta(minutes=m) for m in range(6)]
    # ... then every 5 s until it went live.
    during = [t for t in checks if t >= opens]
    assert all(b - a == timedelta(seconds=5) for a, b in zip(during, during[1:], strict=False))
    assert len(during) == 85
    assert (await world.source(event_id)).state is SourceState.active


async def test_the_reason_names_the_schedule_once(world: World):
    event_id = await world.event()
    world.fake.add_video(VIDEO, live=False, scheduled_at=SCHEDULED)
    await world.start_collector()

    async def waiting():
        source = await world.source(event_id)
        return source.state is SourceState.waiting and source.state_reason and source

    source = await eventually(waiting)
    assert "scheduled for 2026-02-15 18:30 UTC" in (source.state_reason or "")
    assert "from 18:25 to 18:45 UTC" in (source.state_reason or "")
