"""What counts as database trouble, and how it is logged: once per kind, then with a count."""

from __future__ import annotations

import logging
import sqlite3
from datetime import UTC, datetime, timedelta

from sqlalchemy.exc import DataError, IntegrityError, OperationalError, ProgrammingError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from app.health.outage import RepeatedFailures, describe, is_outage


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 1, 18, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def _wrapped(kind, message, statement="INSERT INTO asks (text) VALUES (?)"):
    return kind(statement, ("Why is the budget late?",), sqlite3.OperationalError(message))


class TestIsOutage:
    def test_what_a_retry_can_cure(self):
        assert is_outage(ConnectionRefusedError(111, "Connect call failed ('127.0.0.1', 1)"))
        assert is_outage(TimeoutError())
        assert is_outage(PoolTimeout("QueuePool limit of size 5 overflow 10 reached"))
        assert is_outage(OSError("Multiple exceptions: [Errno 111] Connect call failed"))
        assert is_outage(_wrapped(OperationalError, "database is locked"))

    def test_what_a_retry_cannot(self):
        assert not is_outage(_wrapped(IntegrityError, "UNIQUE constraint failed"))
        assert not is_outage(_wrapped(DataError, "value out of int32 range"))
        assert not is_outage(_wrapped(ProgrammingError, "syntax error"))
        assert not is_outage(FileNotFoundError(2, "No such file"))
        assert not is_outage(ValueError("bad"))

    def test_a_description_never_carries_the_statement_or_its_parameters(self):
        text = describe(_wrapped(OperationalError, "database is locked"))
        assert text == "OperationalError: database is locked"
        assert "INSERT" not in text and "budget" not in text


class TestRepeatedFailures:
    def test_once_per_kind_then_one_line_a_minute_with_the_count(self, caplog):
        caplog.set_level(logging.WARNING)
        clock = Clock()
        failures = RepeatedFailures(logger=logging.getLogger("liveq.t"), clock=clock)
        refused = ConnectionRefusedError(111, "Connect call failed")
        for _ in range(196):
            failures.failed("database unavailable", refused)
            clock.now += timedelta(seconds=0.25)
        failures.failed("readiness check failed", refused)
        assert [r.getMessage() for r in caplog.records] == [
            "database unavailable: ConnectionRefusedError: [Errno 111] Connect call failed",
            "readiness check failed: ConnectionRefusedError: [Errno 111] Connect call failed",
        ]
        clock.now += timedelta(seconds=12)
        failures.failed("database unavailable", refused)
        assert caplog.records[-1].getMessage().endswith("(195 more since 18:00:00)")
        assert all(r.exc_info is None for r in caplog.records)
