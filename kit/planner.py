"""PostgreSQL's planner statistics, kept up with a flood.

Until autovacuum first analyzes a table (a minute or more after it grows), the planner guesses
that an event's source holds a row or two: the re-delivery check then reads every ask of the
source instead of looking its messages up (5 ms a batch after 3,000 asks, growing with the
event), on a new deployment's first busy event. So each process analyzes the tables ingest
fills once it has added 1,000, 10,000 and 100,000 asks: a few background statements in its
life, on a connection of their own, after the batch commits.
"""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

log = logging.getLogger(__name__)

_MARKS = (1_000, 10_000, 100_000)
_ANALYZE = text("ANALYZE asks, questions, audit_entries")


class Statistics:
    """How many rows this process has added, and the analyses that follows them."""

    def __init__(self) -> None:
        self.added = 0
        self._next = 0
        self._tasks: set[asyncio.Task[None]] = set()

    def grew(self, session: AsyncSession, rows: int) -> None:
        """`session`'s transaction adds `rows` asks: past a mark, analyze once it commits."""
        engine = session.bind
        if not isinstance(engine, AsyncEngine) or engine.dialect.name != "postgresql":
            return
        self.added += rows
        if self._next >= len(_MARKS) or self.added < _MARKS[self._next]:
            return
        self._next += 1
        loop = asyncio.get_running_loop()

        def committed(_session: object) -> None:
            task = loop.create_task(_analyze(engine), name="liveq-analyze")
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

        event.listen(session.sync_session, "after_commit", committed, once=True)

    async def wait(self) -> None:
        """Until the analyses started so far are done (tests)."""
        await asyncio.gather(*self._tasks, return_exceptions=True)


async def _analyze(engine: AsyncEngine) -> None:
    try:
        async with engine.connect() as connection:
            await connection.execute(_ANALYZE)
            await connection.commit()
    except Exception as exc:  # noqa: BLE001 - statistics are a help; autovacuum follows
        log.info("could not analyze the queue's tables: %r", exc)
