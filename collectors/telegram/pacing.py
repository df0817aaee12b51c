"""Telegram's sending limits for acknowledgements: ≤1 message/s per chat, ≤20/min per group."""

from __future__ import annotations

from collections import deque
from datetime import timedelta

from kit.clock import Clock, utcnow

_PER_CHAT = timedelta(seconds=1)
_GROUP_WINDOW = timedelta(minutes=1)
_GROUP_MAX = 20


class AckLimiter:
    """Says whether one more acknowledgement may go to a chat now (and counts it if so)."""

    def __init__(self, clock: Clock = utcnow) -> None:
        self.clock = clock
        self._sent: dict[int, deque] = {}

    def try_acquire(self, chat_id: int, *, group: bool) -> bool:
        now = self.clock()
        sent = self._sent.setdefault(chat_id, deque())
        while sent and now - sent[0] >= _GROUP_WINDOW:
            sent.popleft()
        if sent and now - sent[-1] < _PER_CHAT:
            return False
        if group and len(sent) >= _GROUP_MAX:
            return False
        sent.append(now)
        return True
