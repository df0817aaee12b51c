"""Quota pacing arithmetic, on a fixed clock."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from collectors.youtube.pacing import (
    QuotaLedger,
    next_reset,
    pacific_day,
    planned_end,
    poll_interval,
    projected_exhaustion,
    waiting_reserve,
)

# 10:00 in Los Angeles (PST, UTC-8).
TEN_AM = datetime(2026, 2, 15, 18, 0, tzinfo=UTC)


class TestReset:
    def test_midnight_pacific_in_winter_and_summer(self):
        assert next_reset(TEN_AM) == datetime(2026, 2, 16, 8, 0, tzinfo=UTC)
        assert next_reset(datetime(2026, 7, 1, 18, 0, tzinfo=UTC)) == datetime(
            2026, 7, 2, 7, 0, tzinfo=UTC
        )

    def test_across_the_spring_change(self):
        # 2026-03-08: clocks go forward in Los Angeles; that day's midnight is still PST.
        assert next_reset(datetime(2026, 3, 8, 12, 0, tzinfo=UTC)) == datetime(
            2026, 3, 9, 7, 0, tzinfo=UTC
        )

    def test_pacific_day(self):
        assert pacific_day(datetime(2026, 2, 16, 7, 59, tzinfo=UTC)) == date(2026, 2, 15)
        assert pacific_day(datetime(2026, 2, 16, 8, 0, tzinfo=UTC)) == date(2026, 2, 16)


class TestInterval:
    @pytest.mark.parametrize(("hours", "seconds"), [(1, 1.8), (2, 3.6), (3, 5.4)])
    def test_events_of_one_two_three_hours(self, hours, seconds):
        # 10,000 units / 5 per call = 2,000 calls spread over the event.
        interval = poll_interval(
            now=TEN_AM,
            units_left=10_000,
            chats=1,
            api_interval=1.0,
            end=TEN_AM + timedelta(hours=hours),
        )
        assert interval == pytest.approx(seconds)

    def test_api_interval_is_a_floor(self):
        interval = poll_interval(
            now=TEN_AM,
            units_left=10_000,
            chats=1,
            api_interval=5.0,
            end=TEN_AM + timedelta(hours=1),
        )
        assert interval == 5.0

    def test_reset_before_the_planned_end(self):
        # 23:00 Pacific, three hours planned: the budget only has to last one hour, to midnight.
        eleven_pm = datetime(2026, 2, 16, 7, 0, tzinfo=UTC)
        end = eleven_pm + timedelta(hours=3)
        before = poll_interval(now=eleven_pm, units_left=10_000, chats=1, api_interval=1.0, end=end)
        assert before == pytest.approx(1.8)
        # Just after midnight a fresh budget covers the two hours left.
        after_reset = datetime(2026, 2, 16, 8, 0, tzinfo=UTC)
        after = poll_interval(
            now=after_reset, units_left=10_000, chats=1, api_interval=1.0, end=end
        )
        assert after == pytest.approx(3.6)

    def test_chats_share_the_budget(self):
        interval = poll_interval(
            now=TEN_AM,
            units_left=10_000,
            chats=2,
            api_interval=1.0,
            end=TEN_AM + timedelta(hours=2),
        )
        assert interval == pytest.approx(7.2)

    def test_half_spent(self):
        interval = poll_interval(
            now=TEN_AM, units_left=5_000, chats=1, api_interval=1.0, end=TEN_AM + timedelta(hours=1)
        )
        assert interval == pytest.approx(3.6)

    def test_nothing_left(self):
        assert (
            poll_interval(
                now=TEN_AM, units_left=4, chats=1, api_interval=1.0, end=TEN_AM + timedelta(hours=1)
            )
            is None
        )

    def test_overrun_keeps_a_rolling_half_hour(self):
        interval = poll_interval(
            now=TEN_AM,
            units_left=1_000,
            chats=1,
            api_interval=1.0,
            end=TEN_AM - timedelta(minutes=5),
        )
        assert interval == pytest.approx(1800 / 200)

    def test_never_waits_past_the_reset(self):
        late = datetime(2026, 2, 16, 7, 59, 50, tzinfo=UTC)  # ten seconds before midnight PT
        interval = poll_interval(
            now=late, units_left=5, chats=1, api_interval=1.0, end=late + timedelta(hours=2)
        )
        assert interval == pytest.approx(10.0)


class TestPlannedEndAndExhaustion:
    def test_default_two_hours_from_going_live(self):
        assert planned_end(planned_end_at=None, live_since=TEN_AM) == TEN_AM + timedelta(hours=2)
        given = TEN_AM + timedelta(minutes=45)
        assert planned_end(planned_end_at=given, live_since=TEN_AM) == given

    def test_projection(self):
        at = projected_exhaustion(now=TEN_AM, units_left=10_000, chats=1, interval=3.6)
        assert at == TEN_AM + timedelta(hours=2)
        two = projected_exhaustion(now=TEN_AM, units_left=10_000, chats=2, interval=3.6)
        assert two == TEN_AM + timedelta(hours=1)
        assert projected_exhaustion(now=TEN_AM, units_left=0, chats=1, interval=None) == TEN_AM


class TestLedger:
    def test_rolls_at_the_pacific_midnight(self):
        ledger = QuotaLedger(10_000)
        ledger.charge(600, TEN_AM)
        assert ledger.left(TEN_AM) == 9_400
        assert ledger.left(datetime(2026, 2, 16, 8, 0, tzinfo=UTC)) == 10_000

    def test_refused_means_empty_until_the_reset(self):
        ledger = QuotaLedger(10_000)
        ledger.charge(5, TEN_AM)
        ledger.exhausted(TEN_AM)
        assert ledger.left(TEN_AM + timedelta(hours=13)) == 0
        assert ledger.left(datetime(2026, 2, 16, 8, 0, 1, tzinfo=UTC)) == 10_000


class TestWaitingReserve:
    def test_checks_until_the_end_are_kept_back(self):
        hour = TEN_AM + timedelta(hours=1)
        assert (
            waiting_reserve(now=TEN_AM, until=hour, waiting=2, check_every=60, units_left=10_000)
            == 2 * 60
        )
        assert (
            waiting_reserve(now=TEN_AM, until=hour, waiting=0, check_every=60, units_left=10_000)
            == 0
        )
        assert (
            waiting_reserve(now=TEN_AM, until=TEN_AM, waiting=2, check_every=60, units_left=10_000)
            == 0
        )

    def test_never_past_the_reset_nor_more_than_half_of_what_is_left(self):
        # The reset is 14 h away: a check a minute for one stream is 840 units, not a day's.
        far = TEN_AM + timedelta(days=2)
        assert (
            waiting_reserve(now=TEN_AM, until=far, waiting=1, check_every=60, units_left=10_000)
            == 14 * 60
        )
        assert (
            waiting_reserve(now=TEN_AM, until=far, waiting=1, check_every=60, units_left=1_000)
            == 500
        )
