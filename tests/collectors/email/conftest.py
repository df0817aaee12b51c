"""Fixtures for the email collector: a real Dovecot on loopback and a database of the test's own."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from collectors.email.run import BatchReport, EmailCollector
from collectors.email.settings import EmailSettings
from fakes.dovecot import PASSWORD, Dovecot, dovecot_binary
from intake.ingest import Intake

# The Telegram side, for questions asked both by mail and live.
from tests.collectors.telegram.conftest import collector, db, fake, sleeps  # noqa: F401


@pytest.fixture
def dovecot() -> Iterator[Dovecot]:
    if dovecot_binary() is None:
        pytest.skip("dovecot is not installed: `make test-setup` installs dovecot-imapd")
    with Dovecot() as server:
        yield server


EmailFactory = Callable[..., Awaitable[EmailCollector]]


@pytest.fixture
async def email_collector(
    db: async_sessionmaker[AsyncSession],  # noqa: F811
) -> AsyncIterator[EmailFactory]:
    """Makes started email collectors (poll once an hour: tests call read_now)."""
    made: list[EmailCollector] = []

    async def make(
        *,
        intake: Intake | None = None,
        reports: list[BatchReport] | None = None,
        on_batch: Callable[[BatchReport], None] | None = None,
        **settings: Any,
    ) -> EmailCollector:
        values: dict[str, Any] = {
            "email_password": PASSWORD,
            "email_poll_seconds": 3600,
            **settings,
        }
        hook = on_batch or (reports.append if reports is not None else None)
        c = EmailCollector(EmailSettings(**values), db, intake or Intake(), on_batch=hook)
        made.append(c)
        await c.start()
        return c

    yield make
    for c in made:
        await c.stop()


def passes(n: int) -> Callable[[dict[str, Any]], bool]:
    return lambda status: status["passes"] >= n
