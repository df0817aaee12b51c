"""The one entry point every source calls: messages in, questions out, in the caller's transaction.

Per ask: idempotent insert → question detection → normalization → duplicate search among the
event's questions that are not hidden → attach to the match or create a new question.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import event as sa_event
from sqlalchemy import (
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession

from intake.asks import IncomingAsk, IngestResult, Outcome
from intake.batch import (
    Joined,
    Staged,
    allocate_ids,
    already_ingested,
    apply_joined,
    blocked_keys,
    insert_questions,
    write_asks,
)
from intake.bookkeeping import NewQuestion, author_key, new_question_row, pseudonym_key
from intake.chatter import ChatterLog
from intake.matching import IndexRegistry, LexicalMatcher
from intake.matching.base import Matcher, Signature
from intake.matching.index import EventIndex
from intake.matching.suggest import Meaning
from intake.suggestions import embed_ahead, suggest_new
from intake.tallies import count_ask, count_chatter, count_new_askers
from intake.text.clean import clean_ask
from intake.text.detect import is_question
from intake.text.normalize import normalize
from kit import heap
from kit.bulk import insert_rows
from kit.changes import notify_on_commit
from kit.clock import Clock, utcnow
from kit.db import lock_until_end
from kit.planner import Statistics
from models import (
    MAX_TEXT,
    AuditEntry,
    Event,
    EventStatus,
    Question,
    QuestionMode,
    QuestionStatus,
)
from models.base import table_of

if TYPE_CHECKING:
    from intake.suggest_later import SuggestLater
    from intake.text.ahead import TextsAhead

# Re-read rows changed this long before the last refresh: commits land out of timestamp order.
_REFRESH_OVERLAP = timedelta(seconds=3)
# The advisory-lock space of "an event's queue" (any constant unique to liveq: "lvq1").
_EVENT_LOCKS = 0x6C767131
_HELD = "liveq_held_events"
# The longest stretch of matching between two chances for the event loop to serve others.
_YIELD_EVERY = 0.01


class EventNotFound(LookupError):
    pass


@dataclass
class Intake:
    """Ingestion's process-wide state, made at start-up: the indexes, the clock, and the
    recent chatter (in memory only, for the chat panel)."""

    indexes: IndexRegistry = field(default_factory=lambda: IndexRegistry(LexicalMatcher()))
    clock: Clock = utcnow
    chatter: ChatterLog = field(default_factory=ChatterLog)
    # How stale the index may be about other processes' writes (this process's own are
    # applied at once). Bounds the refresh cost under a flood.
    refresh_every: timedelta = timedelta(seconds=1)
    # Suggestions to merge by hand are found as questions arrive: by words always, by meaning
    # with the sentence encoder (the app sets it, LIVEQ_SEMANTIC_SUGGESTIONS).
    suggest: bool = True
    meaning: Meaning | None = None
    # PostgreSQL's planner statistics, brought up to date as this process's asks pile up.
    statistics: Statistics = field(default_factory=Statistics)
    # A flood's texts, read ahead in a process of its own (the service sets it).
    ahead: TextsAhead | None = None
    _secret: bytes | None = None

    async def hold(self, session: AsyncSession, event_id: int) -> EventIndex:
        """Take the event's queue for `session`'s transaction and return its index.

        Every writer of an event's questions takes this before its first write to them, so
        two copies of a new question arriving together make one question, not two, and the
        index changes in the order the transactions commit. The lock lives in the database,
        never in this process: a transaction waiting for it holds no lock of this process
        that the holder might need (an in-process lock taken after the database's write lock
        deadlocks with a writer that took them the other way round).
        """
        held: set[int] = session.sync_session.info.setdefault(_HELD, set())
        if event_id not in held:
            await lock_until_end(session, _EVENT_LOCKS, event_id)
            self._forget_on_rollback(session, held)
            held.add(event_id)
        return self.indexes.get(event_id)

    def _forget_on_rollback(self, session: AsyncSession, held: set[int]) -> None:
        """The index learns of rows before they commit: if the transaction rolls back, drop
        the events' indexes so their next use reloads them from the database."""
        if held:
            return  # the hooks are already set for this transaction
        sync = session.sync_session

        def forget(_session: object, *_: object) -> None:
            for eid in held:
                self.indexes.forget(eid)
            held.clear()

        def keep(_session: object, *_: object) -> None:
            held.clear()

        sa_event.listen(sync, "after_soft_rollback", forget, once=True)
        sa_event.listen(sync, "after_commit", keep, once=True)

    async def secret(self, session: AsyncSession) -> bytes:
        if self._secret is None:
            self._secret = await pseudonym_key(session)
        return self._secret


async def refresh_index(
    session: AsyncSession, intake: Intake, event_id: int, *, force: bool = False
) -> EventIndex:
    """Bring the event's index up to date with rows other transactions changed."""
    index = intake.indexes.get(event_id)
    started = intake.clock()
    last = index.refreshed_until
    if not force and last is not None and last <= started < last + intake.refresh_every:
        return index
    query = select(Question.id, Question.match_key, Question.status).where(
        Question.event_id == event_id
    )
    if index.refreshed_until is not None:
        query = query.where(Question.updated_at >= index.refreshed_until - _REFRESH_OVERLAP)
    built = index.refreshed_until is None
    rows = 0
    for qid, key, status in await session.execute(query):
        rows += 1
        if status is QuestionStatus.hidden:
            index.discard(qid)
        else:
            index.upsert(qid, key)
    index.refreshed_until = started
    if built:
        heap.keep(made=rows * 10)  # an indexed question is about ten objects
    return index


class _BatchReadings:
    """The texts of one batch read here, each distinct one once: a live chat repeats itself
    (greetings, applause, a question pasted again), and a page of 2,000 messages holds a few
    hundred distinct texts. Kept for the batch only."""

    def __init__(self, mode: QuestionMode, matcher: Matcher) -> None:
        self._mode, self._matcher = mode, matcher
        self._asks: dict[str, bool] = {}
        self._keys: dict[str, str] = {}
        self._signatures: dict[str, Signature] = {}

    def key(self, text: str, *, force: bool) -> str:
        """`normalize(text)` if `text` is a question (or `force`d), else ""."""
        if not force:
            asks = self._asks.get(text)
            if asks is None:
                # Chatter (most of a live chat) is told apart before the costlier
                # normalisation.
                asks = self._asks[text] = is_question(text, self._mode)
            if not asks:
                return ""
        key = self._keys.get(text)
        if key is None:
            key = self._keys[text] = normalize(text)
        return key

    def signature(self, key: str) -> Signature:
        signature = self._signatures.get(key)
        if signature is None:
            signature = self._signatures[key] = self._matcher.signature(key)
        return signature


async def ingest(
    session: AsyncSession,
    *,
    intake: Intake,
    event_id: int,
    asks: Sequence[IncomingAsk],
    actor: str | None = None,
    later: SuggestLater | None = None,
) -> list[IngestResult]:
    """Ingest a batch of asks into one event; the caller commits (or rolls back) the transaction.

    With `later`, the new questions' suggestions are found after the commit, in the background
    (collectors, whose next fetch waits for this batch); without, before this returns (the API
    answers with the new question's mark)."""
    if intake.suggest and later is None:
        await embed_ahead(intake.meaning, asks)
    await intake.hold(session, event_id)
    return await _ingest_held(session, intake, event_id, asks, actor, later)


async def _ingest_held(
    session: AsyncSession,
    intake: Intake,
    event_id: int,
    asks: Sequence[IncomingAsk],
    actor: str | None,
    later: SuggestLater | None,
) -> list[IngestResult]:
    event = await session.get(Event, event_id)
    if event is None:
        raise EventNotFound(event_id)
    # What no store or page can hold (NUL, lone surrogates…) leaves here, for every source.
    asks = [clean_ask(a) for a in asks]
    now = intake.clock()
    secret = await intake.secret(session)
    index = await refresh_index(session, intake, event_id)
    notify_on_commit(session, event_id)
    known = await already_ingested(session, event_id, asks)
    blocked = await blocked_keys(session, event_id)
    keys = {a.author_id: author_key(secret, a.platform.value, a.author_id) for a in asks}
    # (new question, author key) pairs seen in this batch: distinct-asker counting.
    askers: set[tuple[int, str]] = set()
    # New questions get their ids at the flush below; until then the index knows them by a
    # provisional negative id.
    provisional: dict[int, NewQuestion] = {}
    in_batch: dict[tuple[str, str, str], Staged] = {}
    chatter: dict[str, int] = {}
    set_aside: list[IncomingAsk] = []  # chatter with words in it, for the chat panel
    staged: list[Staged] = []
    joined: dict[int, Joined] = {}
    yield_at = time.perf_counter() + _YIELD_EVERY
    ahead = intake.ahead
    lexical = type(index.matcher) is LexicalMatcher  # what the reader's signatures are
    read_here = _BatchReadings(event.question_mode, index.matcher)

    # Loading a matched question must not flush the batch staged so far.
    with session.no_autoflush:
        for n, incoming in enumerate(asks):
            if n % 4 == 3 and time.perf_counter() > yield_at:
                # Matching is CPU work: a large batch lets the event loop serve others
                # every few milliseconds instead of holding it for the whole batch.
                await asyncio.sleep(0)
                yield_at = time.perf_counter() + _YIELD_EVERY
            identity = (incoming.platform.value, incoming.source_id, incoming.message_id)
            if identity in known or identity in in_batch:
                first = in_batch.get(identity)
                staged.append(
                    Staged(
                        Outcome.duplicate,
                        ask_id=known.get(identity),
                        reason=None if first is None else "same batch",
                    )
                )
                if first is not None:
                    staged[-1].row = first.row  # its id is known after the insert
                continue
            text = incoming.text.strip()
            if not text or len(text) > MAX_TEXT:
                reason = "empty text" if not text else f"text longer than {MAX_TEXT} characters"
                staged.append(Staged(Outcome.rejected, reason=reason))
                continue
            reading = ahead.take(text) if ahead is not None else None
            if reading is not None:  # read in the reader's process: the same functions
                is_ask = reading.is_question(event.question_mode, force=incoming.force_question)
                key = reading.key if is_ask else ""
            else:
                key = read_here.key(text, force=incoming.force_question)
            if not key:
                platform = incoming.platform.value
                chatter[platform] = chatter.get(platform, 0) + 1
                if any(ch.isalnum() for ch in text):
                    set_aside.append(incoming)  # words a moderator may want to promote
                staged.append(Staged(Outcome.chatter))
                continue

            signature = (
                reading.signature
                if reading is not None and reading.signature is not None and lexical
                else read_here.signature(key)
            )
            match = index.best(key, exclude=blocked.get(key, frozenset()), signature=signature)
            a_key = keys[incoming.author_id]
            row = {
                "event_id": event_id,
                "platform": incoming.platform,
                "source_id": incoming.source_id,
                "message_id": incoming.message_id,
                "author_key": a_key,
                "author_name": incoming.author_name,
                "text": text,
                "source_label": incoming.source_label,
                "paid": incoming.paid,
                "thread_id": incoming.thread_id,
                "asked_at": incoming.asked_at,
                "received_at": now,
                "edited_at": None,
            }
            if match is not None and match.question_id > 0:
                # An existing question: the index only holds questions that are not hidden.
                qid = match.question_id
                joined.setdefault(qid, Joined()).add(
                    incoming.asked_at, author=a_key, paid=incoming.paid
                )
                item = Staged(Outcome.merged, question_id=qid, row=row)
            else:
                if match is not None:
                    question = provisional[match.question_id]
                    outcome = Outcome.merged
                else:
                    question = new_question_row(
                        event,
                        text=text,
                        key=key,
                        asked_at=incoming.asked_at,
                        now=now,
                        normalized=key,
                    )
                    temp_id = -len(provisional) - 1
                    provisional[temp_id] = question
                    index.upsert(temp_id, key, signature)
                    outcome = Outcome.created
                new_asker = a_key is None or (id(question), a_key) not in askers
                if a_key is not None:
                    askers.add((id(question), a_key))
                count_ask(question, event, incoming, new_asker=new_asker, now=now)
                item = Staged(outcome, question=question, row=row)
            in_batch[identity] = item
            staged.append(item)

    intake.chatter.add_on_commit(session, event_id, set_aside, now=now)
    with session.no_autoflush:
        await count_chatter(session, event_id, chatter)
    # Ids given up front let the new questions go in as one executemany, not a row at a time.
    with session.no_autoflush:
        new_ids = await allocate_ids(session, Question, len(provisional))
    deferred = later if intake.suggest else None  # suggestions found after the commit
    for question, new_id in zip(provisional.values(), new_ids, strict=True):
        question.id = new_id
        question.suggest_pending = deferred is not None
    await insert_questions(session, list(provisional.values()))
    for temp_id, question in provisional.items():
        index.rekey(temp_id, question.id)
    heap.grown(made=len(provisional) * 10)  # an indexed question is about ten objects
    if deferred is not None:
        deferred.after_commit(
            session, event_id, [(q.id, q.match_key) for q in provisional.values()]
        )
    elif intake.suggest:
        await suggest_new(
            session,
            event_id=event_id,
            index=index,
            meaning=intake.meaning,
            new=[(q.id, q.match_key) for q in provisional.values()],
            blocked=blocked,
            now=now,
        )
    await count_new_askers(session, joined)
    await apply_joined(session, event, joined, now)
    written = [s for s in staged if s.target is not None]
    await write_asks(session, written)
    intake.statistics.grew(session, len(written))
    audits = [
        {
            "event_id": event_id,
            "question_id": s.target,
            "actor": actor or s.row["platform"].value,  # type: ignore[index, union-attr]
            "action": "question_created" if s.outcome is Outcome.created else "ask_merged",
            "detail": {"ask_id": s.ask_id},
            "at": now,
        }
        for s in staged
        if s.target is not None and s.outcome is not Outcome.duplicate
    ]
    if audits:
        await insert_rows(session, table_of(AuditEntry), audits)
    return [
        IngestResult(
            s.outcome,
            question_id=s.target,
            ask_id=s.ask_id if s.ask_id is not None else (s.row or {}).get("id"),  # type: ignore[arg-type]
            reason=s.reason if s.outcome is not Outcome.duplicate else None,
        )
        for s in staged
    ]


async def live_event_ids(session: AsyncSession) -> list[int]:
    """Events currently collecting."""
    rows = await session.scalars(select(Event.id).where(Event.status == EventStatus.live))
    return list(rows)
