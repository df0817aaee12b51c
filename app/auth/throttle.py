"""Failed sign-ins counted per client address and per token prefix; too many → wait (429)."""

from __future__ import annotations

import math
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from kit.clock import Clock, utcnow

# Enough of a token to tell one guessed token from another, too little to matter if logged.
PREFIX = 12


def keys(address: str | None, token: str) -> tuple[str, str]:
    """The two counters a failure with `token` from `address` counts against."""
    return f"address:{address or 'unknown'}", f"prefix:{token[:PREFIX]}"


@dataclass
class FailureThrottle:
    """At most `limit` failures per key within `window`; past it, refused until the oldest
    failure in the window is `window` old. Bounded: the least recently failed keys go first."""

    limit: int = 30
    window: timedelta = timedelta(minutes=1)
    clock: Clock = utcnow
    size: int = 10_000
    _failures: OrderedDict[str, deque[datetime]] = field(default_factory=OrderedDict)

    def failed(self, *keys: str) -> None:
        now = self.clock()
        for key in keys:
            times = self._failures.pop(key, None) or deque(maxlen=self.limit)
            times.append(now)
            self._failures[key] = times
        while len(self._failures) > self.size:
            self._failures.popitem(last=False)

    def retry_after(self, *keys: str) -> int | None:
        """Whole seconds until `keys` may try again, or None when none of them is throttled."""
        now = self.clock()
        wait = 0.0
        for key in keys:
            times = self._failures.get(key)
            if times is None:
                continue
            while times and now - times[0] >= self.window:
                times.popleft()
            if not times:
                del self._failures[key]
            elif len(times) >= self.limit:
                wait = max(wait, (times[0] + self.window - now).total_seconds())
        return max(1, math.ceil(wait)) if wait > 0 else None

    def clear(self) -> None:
        self._failures.clear()
