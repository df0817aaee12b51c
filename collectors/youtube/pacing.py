"""Quota pacing, pure: how often to poll so the day's YouTube Data API units last.

liveChatMessages.list costs 5 units, videos.list 1; the daily budget resets at midnight
America/Los_Angeles. The interval between polls of one chat is the larger of what the API
asks (pollingIntervalMillis) and what makes that chat's share of the units left last until the
planned end of the event or the daily reset, whichever comes first.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

LIST_MESSAGES_COST = 5
LIST_VIDEOS_COST = 1
PACIFIC = ZoneInfo("America/Los_Angeles")
DEFAULT_DURATION = timedelta(hours=2)
# An event running past its planned end is paced as if it had this much longer to go.
OVERRUN_HORIZON = timedelta(minutes=30)
# Around a stream's scheduledStartTime it is checked often, so going live is noticed in
# seconds: from GOING_LIVE_BEFORE before to GOING_LIVE_AFTER after (streams start late more
# often than early), every GOING_LIVE_EVERY seconds, within GOING_LIVE_SHARE of the day's
# quota for all such windows together (1 unit a check).
GOING_LIVE_BEFORE = timedelta(minutes=5)
GOING_LIVE_AFTER = timedelta(minutes=15)
GOING_LIVE_EVERY = 5.0
GOING_LIVE_SHARE = 0.05


def pacific_day(now: datetime) -> date:
    """The Pacific-time date the quota of `now` is counted on."""
    return now.astimezone(PACIFIC).date()


def next_reset(now: datetime) -> datetime:
    """The next midnight in America/Los_Angeles after `now` (aware, in now's zone)."""
    tomorrow = pacific_day(now) + timedelta(days=1)
    return datetime.combine(tomorrow, time(0), tzinfo=PACIFIC).astimezone(now.tzinfo)


def planned_end(
    *,
    planned_end_at: datetime | None,
    live_since: datetime,
    default_duration: timedelta = DEFAULT_DURATION,
) -> datetime:
    """When the event should end: as planned, or a default duration after going live."""
    return planned_end_at if planned_end_at is not None else live_since + default_duration


def poll_interval(
    *,
    now: datetime,
    units_left: int,
    chats: int,
    api_interval: float,
    end: datetime,
    cost: int = LIST_MESSAGES_COST,
) -> float | None:
    """Seconds to wait before polling one of `chats` chats again; None: no units left today."""
    if units_left < cost:
        return None
    reset = next_reset(now)
    if end <= now:
        end = now + OVERRUN_HORIZON
    horizon = (min(end, reset) - now).total_seconds()
    calls = units_left / max(chats, 1) / cost
    paced = horizon / calls if calls > 0 else math.inf
    # Never wait past the reset: a fresh budget is there.
    paced = min(paced, (reset - now).total_seconds())
    return max(api_interval, paced, 0.0)


def waiting_reserve(
    *,
    now: datetime,
    until: datetime,
    waiting: int,
    check_every: float,
    units_left: int,
    cost: int = LIST_VIDEOS_COST,
) -> int:
    """Units to keep out of the polling budget for streams that have not started: each is
    checked every `check_every` seconds until `until` (or the reset). At most half of what is
    left, so waiting streams never starve a chat that is live."""
    horizon = (min(until, next_reset(now)) - now).total_seconds()
    if waiting <= 0 or horizon <= 0:
        return 0
    return min(waiting * cost * math.ceil(horizon / check_every), units_left // 2)


def going_live_window(scheduled_start: datetime) -> tuple[datetime, datetime]:
    """When a stream scheduled to start at `scheduled_start` is checked often."""
    return scheduled_start - GOING_LIVE_BEFORE, scheduled_start + GOING_LIVE_AFTER


def going_live_interval(*, daily_quota: int, units_left: int, waiting: int) -> float | None:
    """Seconds between checks of each of `waiting` streams in their going-live window, so all
    windows together stay within GOING_LIVE_SHARE of the day (and half of what is left);
    None when that affords less than one check a minute (then the slow pace applies)."""
    window = (GOING_LIVE_BEFORE + GOING_LIVE_AFTER).total_seconds()
    share = min(daily_quota * GOING_LIVE_SHARE, units_left / 2)
    checks = share / LIST_VIDEOS_COST / max(waiting, 1)
    if checks < window / 60:
        return None
    return max(GOING_LIVE_EVERY, window / checks)


def waiting_check(
    *,
    now: datetime,
    scheduled_start: datetime | None,
    slow: float,
    daily_quota: int,
    units_left: int,
    waiting: int,
) -> float:
    """Seconds until a stream that has not started is checked again: often in its going-live
    window, at the slow pace otherwise (and never sleeping past the window's opening)."""
    if scheduled_start is None:
        return slow
    opens, closes = going_live_window(scheduled_start)
    if now < opens:
        return min(slow, (opens - now).total_seconds())
    if now >= closes:
        return slow
    fast = going_live_interval(daily_quota=daily_quota, units_left=units_left, waiting=waiting)
    return slow if fast is None else min(slow, fast)


def going_live_units(*, now: datetime, scheduled_start: datetime | None, every: float) -> int:
    """Units the rest of a stream's going-live window will cost at one check every `every` s."""
    if scheduled_start is None:
        return 0
    opens, closes = going_live_window(scheduled_start)
    seconds = (closes - max(opens, now)).total_seconds()
    return math.ceil(seconds / every) * LIST_VIDEOS_COST if seconds > 0 else 0


def projected_exhaustion(
    *,
    now: datetime,
    units_left: int,
    chats: int,
    interval: float | None,
    cost: int = LIST_MESSAGES_COST,
) -> datetime | None:
    """When today's units run out if every chat keeps polling at `interval` (None: never)."""
    if chats <= 0 or interval is None or interval <= 0:
        return None if units_left >= cost else now
    per_second = chats * cost / interval
    return now + timedelta(seconds=units_left / per_second)


@dataclass
class QuotaLedger:
    """Units spent today, in memory; the collector persists each charge (YoutubeQuotaDay)."""

    daily_quota: int
    day: date | None = None
    used: int = 0
    exhausted_until: datetime | None = None  # set when the API itself said quotaExceeded

    def roll(self, now: datetime) -> None:
        today = pacific_day(now)
        if today != self.day:
            self.day, self.used, self.exhausted_until = today, 0, None

    def left(self, now: datetime) -> int:
        self.roll(now)
        if self.exhausted_until is not None and now < self.exhausted_until:
            return 0
        return max(self.daily_quota - self.used, 0)

    def charge(self, units: int, now: datetime) -> None:
        self.roll(now)
        self.used += units

    def exhausted(self, now: datetime) -> None:
        """The API refused for quota: nothing more until the reset, whatever we counted."""
        self.roll(now)
        self.exhausted_until = next_reset(now)
