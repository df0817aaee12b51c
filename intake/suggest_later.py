"""Suggestions found just after a batch commits, in the background, for collectors under load.

A collector's batch is on the critical path of the next fetch (a platform's updates are confirmed
only once stored), and suggestions by meaning cost a model call per new question (about 2 ms of
CPU each): inside the batch's transaction they were most of a flood's time. With `later=`,
`ingest()` stores the asks and questions as before and hands the new questions here once the
transaction has committed; one task finds their suggestions (by words, and by meaning in a
thread) in arrival order, and stores them in a short transaction of their own. Each question
is still compared only with the questions created before it (ids are handed out in order).

Marks then appear one batch later than the questions (a few hundred ms when the chat is busy),
and never sooner than SETTLE after the commit: the screens it wakes are served first.
While a collector is catching up with a backlog (Telegram handed it a full batch: more are
waiting), the worker waits for it, at most `patience` seconds, and then takes everything queued
at once: a flood's questions reach the queue first, their marks just after, in fewer and
larger model calls.
What is queued when the process stops is finished first (within `drain`'s time). Such questions
are stored marked `suggest_pending` until their suggestions are: a process killed before then
leaves them to the next start's worker (any collector's, in any process), which finds them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Update, select, update
from sqlalchemy import event as sa_event
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from intake.batch import blocked_keys
from intake.bookkeeping import audit
from intake.ingest import Intake, refresh_index
from intake.suggestions import find_suggestions, store_suggestions
from kit.clock import Clock, utcnow
from kit.db import one_of, read_only
from models import Question
from models.base import table_of

log = logging.getLogger("liveq.suggest")

_PENDING = "liveq_suggest_later"
# Questions a pass takes at most (several batches coalesce up to this).
_PASS = 2_000
# How long a pass waits after the commit that queued it (see _run).
SETTLE = 0.1
# How much the model's thread gives way to the rest of the process (nice, 0–19).
_NICE = 10


@dataclass(frozen=True, slots=True)
class NewQuestions:
    event_id: int
    questions: tuple[tuple[int, str], ...]  # (id, normalized text), in id order


class SuggestLater:
    """The queue of committed new questions waiting for their suggestions, and its worker."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        *,
        clock: Clock = utcnow,
        patience: float = 2.0,
        settle: float = SETTLE,
    ) -> None:
        self.sessionmaker, self.clock, self.patience = sessionmaker, clock, patience
        self.settle = settle
        self._stopping = False
        self._queue: list[NewQuestions] = []
        self._wake = asyncio.Event()
        self._caught_up = asyncio.Event()
        self._caught_up.set()
        self._idle = asyncio.Event()
        self._idle.set()
        self._task: asyncio.Task[None] | None = None
        # The model's calls run in a thread of their own at a lower priority: on a busy machine
        # the collector's next batch comes first, and an idle core is used all the same.
        self._thread = _model_thread()

    def after_commit(
        self, session: AsyncSession, event_id: int, questions: Sequence[tuple[int, str]]
    ) -> None:
        """Queue these new questions once `session`'s transaction commits (a rollback drops
        them: the questions were never stored)."""
        if not questions:
            return
        sync = session.sync_session
        pending: list[NewQuestions] | None = sync.info.get(_PENDING)
        if pending is None:
            pending = sync.info[_PENDING] = []

            def committed(_session: object) -> None:
                self._put(sync.info.pop(_PENDING, []))

            def rolled_back(_session: object, *_: object) -> None:
                sync.info.pop(_PENDING, None)

            sa_event.listen(sync, "after_commit", committed, once=True)
            sa_event.listen(sync, "after_soft_rollback", rolled_back, once=True)
        pending.append(NewQuestions(event_id, tuple(questions)))

    def _put(self, items: list[NewQuestions]) -> None:
        if items:
            self._queue.extend(items)
            self._idle.clear()
            self._wake.set()

    def catching_up(self, behind: bool) -> None:
        """Whether the collector has more waiting at the platform (its last fetch was full):
        while it has, suggestions wait for it (at most `patience` seconds at a time)."""
        if behind:
            self._caught_up.clear()
        else:
            self._caught_up.set()

    @property
    def held(self) -> bool:
        """Whether a collector's backlog holds the suggestions back (catching_up)."""
        return not self._caught_up.is_set()

    def start(self, intake: Intake) -> None:
        """Run the worker (the index and the model are `intake`'s) until stop()."""
        if self._task is None:
            self._stopping = False
            self._idle.clear()  # until the questions a previous process left are queued
            self._task = asyncio.create_task(self._run(intake), name="liveq-suggest-later")

    async def drain(self, within: float = 30.0) -> bool:
        """Wait until every queued question has its suggestions; False if not within time."""
        try:
            async with asyncio.timeout(within):
                await self._idle.wait()
        except TimeoutError:
            return False
        return True

    async def stop(self, within: float = 10.0) -> None:
        """Finish what is queued (within `within`), then stop the worker."""
        if self._task is None:
            return
        self._caught_up.set()  # nothing more is coming: no reason to wait
        self._stopping = True
        if not await self.drain(within):
            log.warning(
                "stopping with %d batches of questions still to suggest for", len(self._queue)
            )
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)
        self._task = None
        self._thread.shutdown(wait=False)
        self._thread = _model_thread()  # for a start again (its thread begins on first use)

    async def _run(self, intake: Intake) -> None:
        try:
            await self._recover()
        except Exception as exc:  # noqa: BLE001 - the next start tries again
            log.warning("could not look for questions left without suggestions: %r", exc)
        if not self._queue:
            self._idle.set()
        while True:
            await self._wake.wait()
            if not self._caught_up.is_set():
                # The collector's next batch first: it is on the path of every question after.
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self.patience):
                        await self._caught_up.wait()
            if self.settle and not self._stopping:
                # What the commit woke comes first: live streams sending its changes, screens
                # refetching. The pass by words holds the event loop (about 0.2 ms a question)
                # and, on SQLite, each query's hand-over to its connection's thread waits for
                # the interpreter's lock; started at once, it held a refetch back by as long as
                # the pass. Commits meanwhile join this pass.
                await asyncio.sleep(self.settle)
            self._wake.clear()
            items = self._take()
            if items:
                try:
                    await self._suggest(intake, items)
                except Exception as exc:  # noqa: BLE001 - marks are a help: the asks are stored
                    log.warning(
                        "suggestions for %d new questions failed (%s: %s)",
                        sum(len(i.questions) for i in items),
                        type(exc).__name__,
                        exc,
                    )
            if not self._queue:
                self._idle.set()

    def _take(self) -> list[NewQuestions]:
        """What is queued, up to a pass's worth: a long backlog (a restart's) is marked a few
        thousand questions at a time, each pass stored as it is done."""
        taken: list[NewQuestions] = []
        count = 0
        while self._queue and (not taken or count + len(self._queue[0].questions) <= _PASS):
            item = self._queue.pop(0)
            taken.append(item)
            count += len(item.questions)
        if self._queue:
            self._wake.set()
        return taken

    async def _suggest(self, intake: Intake, items: list[NewQuestions]) -> None:
        by_event: dict[int, list[tuple[int, str]]] = {}
        for item in items:  # several batches coalesced: one model call, one transaction
            by_event.setdefault(item.event_id, []).extend(item.questions)
        blocked: dict[int, dict[str, frozenset[int]]] = {}
        async with self.sessionmaker() as session:
            await read_only(session)
            for event_id in by_event:
                blocked[event_id] = await blocked_keys(session, event_id)
                if intake.indexes.get(event_id).refreshed_until is None:
                    await refresh_index(session, intake, event_id)
        rows: list[dict[str, Any]] = []
        for event_id, new in by_event.items():
            rows += await find_suggestions(
                event_id=event_id,
                index=intake.indexes.get(event_id),
                meaning=intake.meaning,
                new=sorted(set(new)),  # once each: recovery may queue one again
                blocked=blocked[event_id],
                now=self.clock(),
                executor=self._thread,
            )
        async with self.sessionmaker() as session, session.begin():
            # Claimed as they are stored: a question another process (or a restart's
            # recovery) found suggestions for meanwhile gets none twice.
            mine = await claim(session, [qid for new in by_event.values() for qid, _ in new])
            stored = [r for r in rows if r["question_id"] in mine]
            await store_suggestions(session, stored)
            announce(session, stored, now=self.clock())

    async def _recover(self) -> None:
        """Queue the questions whose suggestions were never found: a process killed between a
        batch's commit and its suggestions (or still behind when it stopped) left them."""
        async with self.sessionmaker() as session:
            await read_only(session)
            rows = await session.execute(
                select(Question.event_id, Question.id, Question.match_key)
                .where(Question.suggest_pending)
                .order_by(Question.id)
            )
            left: dict[int, list[tuple[int, str]]] = {}
            for event_id, qid, key in rows:
                left.setdefault(event_id, []).append((qid, key))
        if left:
            log.info(
                "finding the suggestions of %d questions left without them",
                sum(map(len, left.values())),
            )
            self._put(
                [
                    NewQuestions(e, tuple(qs[start : start + _PASS]))
                    for e, qs in left.items()
                    for start in range(0, len(qs), _PASS)
                ]
            )


def announce(session: AsyncSession, stored: list[dict[str, Any]], *, now: datetime) -> None:
    """Tell the live streams and cached pages which rows got their mark: an audit entry per
    event (and per 500 rows) naming them, as a merge names the rows whose mark it moved."""
    marked: dict[int, set[int]] = {}
    for row in stored:
        marked.setdefault(row["event_id"], set()).add(row["question_id"])
    for event_id, ids in marked.items():
        ordered = sorted(ids)
        for start in range(0, len(ordered), 500):
            audit(
                session,
                event_id=event_id,
                question_id=None,
                actor="liveq",
                action="suggestions_found",
                at=now,
                marks=ordered[start : start + 500],
            )


async def claim(session: AsyncSession, question_ids: list[int]) -> set[int]:
    """Of these questions, those whose suggestions were still to be found: now found by
    `session`'s transaction (the others' were found by someone else, or never deferred).

    PostgreSQL: one UPDATE … RETURNING, its row locks making two claimants take turns. SQLite
    (RETURNING only from 3.35): read, then clear, both under the write lock a writing
    transaction holds from its BEGIN."""
    if session.get_bind().dialect.name == "postgresql":
        # One array parameter: the same statement (prepared once) for any number of ids.
        return set(await session.scalars(_claim_pending(), {"ids": question_ids}))
    table = table_of(Question)
    mine: set[int] = set()
    for start in range(0, len(question_ids), 500):
        part = question_ids[start : start + 500]
        ids = set(
            await session.scalars(
                select(table.c.id).where(table.c.id.in_(part), table.c.suggest_pending)
            )
        )
        if ids:
            await session.execute(
                update(table).where(table.c.id.in_(ids)).values(suggest_pending=False)
            )
        mine |= ids
    return mine


@cache
def _claim_pending() -> Update:
    table = table_of(Question)
    return (
        update(table)
        .where(one_of(table.c.id, "ids", "postgresql"), table.c.suggest_pending)
        .values(suggest_pending=False)
        .returning(table.c.id)
    )


def _model_thread() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(1, "liveq-suggest", initializer=_lower_priority)


def _lower_priority() -> None:
    """Lower this thread's scheduling priority (Linux: niceness is per thread)."""
    if sys.platform == "linux":
        try:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), _NICE)
        except OSError as exc:
            log.info("could not lower the suggestions thread's priority: %r", exc)
