"""A bounded map whose entries expire: a cache that forgets in time and never grows unbounded."""

from __future__ import annotations

from collections import OrderedDict
from datetime import datetime, timedelta
from typing import Generic, TypeVar

from kit.clock import Clock, utcnow

K = TypeVar("K")
V = TypeVar("V")


class Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING = Missing()


class Expiring(Generic[K, V]):
    """Up to `size` entries, each forgotten `ttl` after it was put; the least recently used
    entry makes room for a new one. None is a value like any other (a cached refusal)."""

    def __init__(self, *, ttl: timedelta, size: int, clock: Clock = utcnow) -> None:
        if size < 1:
            raise ValueError("size must be at least 1")
        self.ttl = ttl
        self.size = size
        self.clock = clock
        self._entries: OrderedDict[K, tuple[datetime, V]] = OrderedDict()

    def get(self, key: K) -> V | Missing:
        """The value put for `key`, or MISSING when there is none or it has expired."""
        found = self._entries.get(key)
        if found is None:
            return MISSING
        expires, value = found
        if self.clock() >= expires:
            del self._entries[key]
            return MISSING
        self._entries.move_to_end(key)
        return value

    def put(self, key: K, value: V) -> None:
        self._entries[key] = (self.clock() + self.ttl, value)
        self._entries.move_to_end(key)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)

    def pop(self, key: K) -> None:
        self._entries.pop(key, None)

    def clear(self) -> None:
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
