from datetime import UTC, datetime, timedelta

from app.auth.throttle import FailureThrottle, keys


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


class TestFailureThrottle:
    def test_past_the_limit_a_key_waits_until_its_oldest_failure_leaves_the_window(self):
        clock = Clock()
        throttle = FailureThrottle(limit=3, window=timedelta(seconds=60), clock=clock)
        for _ in range(2):
            throttle.failed("address:a")
            clock.now += timedelta(seconds=10)
        assert throttle.retry_after("address:a") is None
        throttle.failed("address:a")
        assert throttle.retry_after("address:a") == 40
        assert throttle.retry_after("address:b") is None
        clock.now += timedelta(seconds=40)
        assert throttle.retry_after("address:a") is None

    def test_any_throttled_key_throttles(self):
        throttle = FailureThrottle(limit=1)
        address, prefix = keys("10.0.0.1", "lq_guessed-token-number-one")
        throttle.failed(prefix)
        assert throttle.retry_after(address, prefix) is not None
        assert throttle.retry_after(*keys("10.0.0.2", "lq_another-token")) is None

    def test_the_prefix_is_short_and_the_table_is_bounded(self):
        address, prefix = keys(None, "lq_" + "x" * 40)
        assert address == "address:unknown" and prefix == "prefix:lq_xxxxxxxxx"
        throttle = FailureThrottle(limit=2, size=100)
        for i in range(5000):
            throttle.failed(f"address:{i}")
        assert len(throttle._failures) == 100
