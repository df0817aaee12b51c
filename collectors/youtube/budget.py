"""The YouTube collector's quota and pace: how often each chat is read, and charging the day's
units before each call (the arithmetic itself is in pacing.py)."""

from __future__ import annotations

from datetime import datetime

from collectors.youtube import pacing, store
from collectors.youtube.core import CollectorCore
from collectors.youtube.readers import Reader, any_member
from models import SourceState

_BACKOFF_BASE = 1.0
_BACKOFF_CAP = 120.0


class QuotaKeeper(CollectorCore):
    """Paces every chat so the day's quota lasts, and charges each call to it."""

    def _pace(self, reader: Reader) -> float:
        now = self._clock()
        end = self._planned_end(reader, now)
        left = self._ledger.left(now)
        reserve = pacing.waiting_reserve(
            now=now,
            until=end if end > now else now + pacing.OVERRUN_HORIZON,
            waiting=self._waiting_streams(),
            check_every=self.settings.youtube_waiting_check_seconds,
            units_left=left,
        )
        reserve = min(reserve + self._going_live_units(now), left // 2)
        interval = pacing.poll_interval(
            now=now,
            units_left=left - reserve,
            chats=self._polling_chats(),
            api_interval=reader.api_interval * reader.rate_factor,
            end=end,
        )
        if interval is None:  # the next poll finds the budget empty and waits for the reset
            interval = reader.api_interval
        reader.interval = interval
        return interval

    def _waiting_check(self, reader: Reader, now: datetime) -> float:
        """Seconds until a stream that has not started is looked at again."""
        return pacing.waiting_check(
            now=now,
            scheduled_start=reader.scheduled_start,
            slow=self.settings.youtube_waiting_check_seconds,
            daily_quota=self._ledger.daily_quota,
            units_left=self._ledger.left(now),
            waiting=self._waiting_streams(),
        )

    def _waiting_reason(self, reader: Reader) -> str:
        slow = self.settings.youtube_waiting_check_seconds
        start = reader.scheduled_start
        if start is None:
            return f"the stream has not started yet; checking every {slow:g} s"
        opens, closes = pacing.going_live_window(start)
        return (
            f"the stream has not started yet (scheduled for {start:%Y-%m-%d %H:%M} UTC); "
            f"checking every few seconds from {opens:%H:%M} to {closes:%H:%M} UTC, "
            f"every {slow:g} s otherwise"
        )

    def _going_live_units(self, now: datetime) -> int:
        """Units the going-live windows still ahead will cost (kept out of the chats' budget)."""
        left = self._ledger.left(now)
        every = pacing.going_live_interval(
            daily_quota=self._ledger.daily_quota, units_left=left, waiting=self._waiting_streams()
        )
        if every is None:
            return 0
        return sum(
            pacing.going_live_units(now=now, scheduled_start=r.scheduled_start, every=every)
            for r in self._readers.values()
            if r.live_chat_id is None and any_member(r, SourceState.waiting)
        )

    def _planned_end(self, reader: Reader, now: datetime) -> datetime:
        """The chat is read until the last of its events is planned to end."""
        return max(
            (
                pacing.planned_end(
                    planned_end_at=member.planned_end_at,
                    live_since=reader.live_since or now,
                    default_duration=self._default_duration,
                )
                for member in reader.members.values()
            ),
            default=(reader.live_since or now) + self._default_duration,
        )

    def _waiting_streams(self) -> int:
        """Streams checked now and then because they have not started (1 unit a check)."""
        return sum(
            1
            for r in self._readers.values()
            if r.live_chat_id is None and any_member(r, SourceState.waiting)
        )

    def _polling_chats(self) -> int:
        """Chats being read, each once however many events list it."""
        return max(
            1,
            sum(
                1
                for r in self._readers.values()
                if r.live_chat_id is not None and any_member(r, SourceState.active)
            ),
        )

    def _backoff(self, reader: Reader) -> float:
        """Exponential backoff with jitter after transient failures (and after rate limits)."""
        if reader.failures == 0:
            return max(reader.api_interval, 1.0) * reader.rate_factor
        delay = min(_BACKOFF_CAP, _BACKOFF_BASE * 2 ** (reader.failures - 1))
        return delay * self._rng.uniform(0.5, 1.0) + delay * 0.5

    async def _charge(self, units: int, now: datetime) -> None:
        # Charged before the call: YouTube counts refused requests too, and a crash between
        # the call and this write must not let the budget look larger than it is.
        async with self._quota_lock:
            self._ledger.charge(units, now)
            async with self._sessionmaker() as s, s.begin():
                await store.add_quota_units(s, day=pacing.pacific_day(now), units=units)


def quota_reason(reset: datetime, daily_quota: int) -> str:
    return (
        f"YouTube API daily quota ({daily_quota} units) used up; no calls until the reset at "
        f"{reset.isoformat(timespec='minutes')} (midnight America/Los_Angeles)"
    )
