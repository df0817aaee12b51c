from datetime import UTC, datetime, timedelta

import pytest

from kit.expiring import MISSING, Expiring


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


class TestExpiring:
    def test_an_entry_is_forgotten_after_its_ttl(self):
        clock = Clock()
        cache: Expiring[str, int | None] = Expiring(ttl=timedelta(seconds=10), size=5, clock=clock)
        cache.put("a", 1)
        cache.put("refused", None)
        clock.now += timedelta(seconds=9)
        assert cache.get("a") == 1 and cache.get("refused") is None
        clock.now += timedelta(seconds=1)
        assert cache.get("a") is MISSING and cache.get("refused") is MISSING
        assert len(cache) == 0

    def test_the_least_recently_used_makes_room(self):
        cache: Expiring[int, int] = Expiring(ttl=timedelta(hours=1), size=3)
        for i in range(3):
            cache.put(i, i)
        cache.get(0)
        for i in range(3, 1000):
            cache.put(i, i)
            assert len(cache) <= 3
        assert cache.get(999) == 999 and cache.get(0) is MISSING

    def test_pop_and_a_bad_size(self):
        cache: Expiring[str, int] = Expiring(ttl=timedelta(seconds=1), size=1)
        cache.put("a", 1)
        cache.pop("a")
        cache.pop("never there")
        assert cache.get("a") is MISSING
        with pytest.raises(ValueError, match="size"):
            Expiring(ttl=timedelta(seconds=1), size=0)
