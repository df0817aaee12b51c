"""The one entry point every source calls: messages in, questions out, in the caller's transaction.

Per ask: idempotent insert → question detection → normalization → duplicate search among the
event's questions that are not hidden → attach to the match or create a new question.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from typing import cast

from sqlalchemy import (
    Boolean,
    Insert,
    Integer,
    Select,
    Table,
    Update,
    bindparam,
    case,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy import event as sa_event
from sqlalchemy import text as sql_text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from intake.asks import IncomingAsk, IngestResult, Outcome
from intake.bookkeeping import author_key, new_question, pseudonym_key, score_of, touch
from intake.chatter import ChatterLog
from intake.matching import IndexRegistry, LexicalMatcher
from intake.matching.index import EventIndex
from intake.text.detect import is_question
from intake.text.normalize import normalize
from kit.changes import notify_on_commit
from kit.clock import Clock, utcnow
from kit.db import lock_until_end
from models import (
    MAX_TEXT,
    Ask,
    AuditEntry,
    ChatterCount,
    Event,
    EventStatus,
    MergeBlock,
    Platform,
    Question,
    QuestionStatus,
)
from models.base import UTCDateTime

# Re-read rows changed this long before the last refresh: commits land out of timestamp order.
_REFRESH_OVERLAP = timedelta(seconds=3)
# A question in one of these states takes new asks but stays where the host put it.
_SETTLED = {QuestionStatus.answered, QuestionStatus.dismissed}
# The advisory-lock space of "an event's queue" (any constant unique to liveq: "lvq1").
_EVENT_LOCKS = 0x6C767131
_HELD = "liveq_held_events"


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
    for qid, key, status in await session.execute(query):
        if status is QuestionStatus.hidden:
            index.discard(qid)
        else:
            index.upsert(qid, key)
    index.refreshed_until = started
    return index


async def ingest(
    session: AsyncSession,
    *,
    intake: Intake,
    event_id: int,
    asks: Sequence[IncomingAsk],
    actor: str | None = None,
) -> list[IngestResult]:
    """Ingest a batch of asks into one event; the caller commits (or rolls back) the transaction."""
    await intake.hold(session, event_id)
    return await _ingest_held(session, intake, event_id, asks, actor)


@dataclass
class _Staged:
    """One ask's fate while the batch is read; rows are written together at the end."""

    outcome: Outcome
    question: Question | None = None  # a question created by this batch
    question_id: int | None = None  # an existing question the ask joins
    row: dict[str, object] | None = None  # the ask's column values, to insert
    ask_id: int | None = None
    reason: str | None = None

    @property
    def target(self) -> int | None:
        return self.question.id if self.question is not None else self.question_id


@dataclass
class _Joined:
    """What a batch adds to one existing question: applied in one UPDATE, no row loaded."""

    asks: int = 0
    anonymous: int = 0  # asks without an author: each counts as an asker
    authors: set[str] = field(default_factory=set)  # author keys seen in this batch
    new_askers: int = 0  # known once the existing askers are looked up
    paid: bool = False
    first: datetime | None = None
    last: datetime | None = None

    def add(self, asked_at: datetime, *, author: str | None, paid: bool) -> None:
        self.asks += 1
        if author is None:
            self.anonymous += 1
        else:
            self.authors.add(author)
        self.paid = self.paid or paid
        self.first = asked_at if self.first is None else min(self.first, asked_at)
        self.last = asked_at if self.last is None else max(self.last, asked_at)


async def _ingest_held(
    session: AsyncSession,
    intake: Intake,
    event_id: int,
    asks: Sequence[IncomingAsk],
    actor: str | None,
) -> list[IngestResult]:
    event = await session.get(Event, event_id)
    if event is None:
        raise EventNotFound(event_id)
    now = intake.clock()
    secret = await intake.secret(session)
    index = await refresh_index(session, intake, event_id)
    notify_on_commit(session, event_id)
    known = await _already_ingested(session, event_id, asks)
    blocked = await _blocked_keys(session, event_id)
    keys = {a.author_id: author_key(secret, a.platform.value, a.author_id) for a in asks}
    # (new question, author key) pairs seen in this batch: distinct-asker counting.
    askers: set[tuple[int, str]] = set()
    # New questions get their ids at the flush below; until then the index knows them by a
    # provisional negative id.
    provisional: dict[int, Question] = {}
    in_batch: dict[tuple[str, str, str], _Staged] = {}
    chatter: dict[str, int] = {}
    set_aside: list[IncomingAsk] = []  # chatter with words in it, for the chat panel
    staged: list[_Staged] = []
    joined: dict[int, _Joined] = {}

    # Loading a matched question must not flush the batch staged so far.
    with session.no_autoflush:
        for incoming in asks:
            identity = (incoming.platform.value, incoming.source_id, incoming.message_id)
            if identity in known or identity in in_batch:
                first = in_batch.get(identity)
                staged.append(
                    _Staged(
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
                staged.append(_Staged(Outcome.rejected, reason=reason))
                continue
            key = normalize(text)
            if not key or not is_question(text, event.question_mode, force=incoming.force_question):
                platform = incoming.platform.value
                chatter[platform] = chatter.get(platform, 0) + 1
                if key:
                    set_aside.append(incoming)
                staged.append(_Staged(Outcome.chatter))
                continue

            signature = index.matcher.signature(key)
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
                joined.setdefault(qid, _Joined()).add(
                    incoming.asked_at, author=a_key, paid=incoming.paid
                )
                item = _Staged(Outcome.merged, question_id=qid, row=row)
            else:
                if match is not None:
                    question = provisional[match.question_id]
                    outcome = Outcome.merged
                else:
                    question = new_question(
                        event, text=text, key=key, asked_at=incoming.asked_at, now=now
                    )
                    session.add(question)
                    temp_id = -len(provisional) - 1
                    provisional[temp_id] = question
                    index.upsert(temp_id, key, signature)
                    outcome = Outcome.created
                new_asker = a_key is None or (id(question), a_key) not in askers
                if a_key is not None:
                    askers.add((id(question), a_key))
                _count_ask(question, event, incoming, new_asker=new_asker, now=now)
                item = _Staged(outcome, question=question, row=row)
            in_batch[identity] = item
            staged.append(item)

    intake.chatter.add_on_commit(session, event_id, set_aside, now=now)
    with session.no_autoflush:
        await _count_chatter(session, event_id, chatter)
    # Ids given up front let the new questions go in as one executemany, not a row at a time.
    with session.no_autoflush:  # not before the ids are set
        new_ids = await _allocate_question_ids(session, len(provisional))
    for question, new_id in zip(provisional.values(), new_ids, strict=True):
        question.id = new_id
    await session.flush()
    for temp_id, question in provisional.items():
        index.rekey(temp_id, question.id)
    await _count_new_askers(session, joined)
    await _apply_joined(session, event, joined, now)
    await _write_asks(session, event_id, [s for s in staged if s.target is not None])
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
        await session.execute(insert(AuditEntry), audits)
    return [
        IngestResult(
            s.outcome,
            question_id=s.target,
            ask_id=s.ask_id if s.ask_id is not None else (s.row or {}).get("id"),  # type: ignore[arg-type]
            reason=s.reason if s.outcome is not Outcome.duplicate else None,
        )
        for s in staged
    ]


async def _write_asks(session: AsyncSession, event_id: int, items: list[_Staged]) -> None:
    """Insert the batch's asks in one executemany, then read their ids back by identity
    (RETURNING with guaranteed order degrades to one row per statement on some drivers)."""
    if not items:
        return
    rows = []
    for item in items:
        assert item.row is not None and item.target is not None
        item.row["question_id"] = item.target
        rows.append(item.row)
    await session.execute(insert(Ask), rows)
    ids = await _already_ingested_rows(session, event_id, rows)
    for item in items:
        row = item.row
        assert row is not None
        item.ask_id = row["id"] = ids[_identity_of(row)]


@cache
def _joined_update() -> Update:
    table = cast(Table, Question.__table__)
    q = table.c
    paid = or_(q.paid, bindparam("b_paid", type_=Boolean()))
    first = bindparam("b_first", type_=UTCDateTime())
    last = bindparam("b_last", type_=UTCDateTime())
    return (
        update(table)
        .where(q.id == bindparam("b_id"))
        .values(
            ask_count=q.ask_count + bindparam("b_new"),
            asked_again=q.asked_again
            + case((or_(*(q.status == s.value for s in _SETTLED)), bindparam("b_asks")), else_=0),
            paid=paid,
            first_asked_at=case((q.first_asked_at > first, first), else_=q.first_asked_at),
            last_asked_at=case((q.last_asked_at < last, last), else_=q.last_asked_at),
            score=q.ask_count
            + bindparam("b_new")
            + q.upvotes
            + case((paid, bindparam("b_boost", type_=Integer())), else_=0),
            updated_at=bindparam("b_now", type_=UTCDateTime()),
            version=q.version + 1,
        )
    )


async def _apply_joined(
    session: AsyncSession, event: Event, joined: dict[int, _Joined], now: datetime
) -> None:
    """Add the batch's asks to existing questions: counts, times and score, in one statement."""
    if not joined:
        return
    await session.execute(
        _joined_update(),
        [
            {
                "b_id": qid,
                "b_new": j.new_askers,
                "b_asks": j.asks,
                "b_paid": j.paid,
                "b_first": j.first,
                "b_last": j.last,
                "b_boost": event.paid_boost,
                "b_now": now,
            }
            for qid, j in joined.items()
        ],
    )
    # Objects of these questions already in the session (API calls) now hold stale counts.
    for qid in joined:
        cached = session.sync_session.identity_map.get(
            session.sync_session.identity_key(Question, qid)
        )
        if cached is not None:
            await session.refresh(cached)


async def _allocate_question_ids(session: AsyncSession, n: int) -> list[int]:
    """`n` fresh question ids: from the sequence on PostgreSQL; on SQLite after the largest,
    which is safe because every writing transaction holds the database's write lock."""
    if n == 0:
        return []
    if session.get_bind().dialect.name == "postgresql":
        rows = await session.execute(
            sql_text(
                "SELECT nextval(pg_get_serial_sequence('questions', 'id'))"
                " FROM generate_series(1, :n)"
            ),
            {"n": n},
        )
        return [int(r[0]) for r in rows]
    top = await session.scalar(select(func.coalesce(func.max(Question.id), 0)))
    return list(range(int(top or 0) + 1, int(top or 0) + 1 + n))


async def _count_new_askers(session: AsyncSession, joined: dict[int, _Joined]) -> None:
    """How many of each question's askers in this batch never asked it before (one query,
    by question: the asks index on question_id serves it)."""
    keys = {k for j in joined.values() for k in j.authors}
    existing: set[tuple[int, str | None]] = set()
    ids = [qid for qid, j in joined.items() if j.authors]
    for start in range(0, len(ids), 500):
        part = ids[start : start + 500]
        rows = await session.execute(_askers_query(), {"questions": part, "keys": list(keys)})
        existing.update((qid, key) for qid, key in rows)
    for qid, j in joined.items():
        j.new_askers = j.anonymous + sum((qid, k) not in existing for k in j.authors)


def _count_ask(
    question: Question, event: Event, incoming: IncomingAsk, *, new_asker: bool, now: datetime
) -> None:
    if new_asker:
        question.ask_count += 1
    if incoming.paid:
        question.paid = True
    if question.status in _SETTLED:
        question.asked_again += 1
    question.first_asked_at = min(question.first_asked_at, incoming.asked_at)
    question.last_asked_at = max(question.last_asked_at, incoming.asked_at)
    question.score = score_of(question, event)
    touch(question, now)


async def _already_ingested(
    session: AsyncSession, event_id: int, asks: Sequence[IncomingAsk]
) -> dict[tuple[str, str, str], int]:
    return await _ids_by_identity(
        session, event_id, {(a.platform.value, a.source_id, a.message_id) for a in asks}
    )


async def _already_ingested_rows(
    session: AsyncSession, event_id: int, rows: Sequence[dict[str, object]]
) -> dict[tuple[str, str, str], int]:
    return await _ids_by_identity(
        session,
        event_id,
        {_identity_of(r) for r in rows},
    )


def _identity_of(row: dict[str, object]) -> tuple[str, str, str]:
    platform = row["platform"]
    assert isinstance(platform, Platform)
    return (platform.value, str(row["source_id"]), str(row["message_id"]))


# A batch runs a dozen statements: those built once (bound parameters, expanding IN lists) skip
# building a statement on every call, which costs more than running it.


@cache
def _ids_query() -> Select[str, int]:
    return select(Ask.message_id, Ask.id).where(
        Ask.event_id == bindparam("event"),
        Ask.platform == bindparam("platform"),
        Ask.source_id == bindparam("source"),
        Ask.message_id.in_(bindparam("messages", expanding=True)),
    )


@cache
def _askers_query() -> Select[int, str | None]:
    return (
        select(Ask.question_id, Ask.author_key)
        .where(
            Ask.question_id.in_(bindparam("questions", expanding=True)),
            Ask.author_key.in_(bindparam("keys", expanding=True)),
        )
        .distinct()
    )


@cache
def _blocks_query() -> Select[str, int]:
    return select(MergeBlock.match_key, MergeBlock.other_question_id).where(
        MergeBlock.event_id == bindparam("event")
    )


async def _ids_by_identity(
    session: AsyncSession, event_id: int, identities: set[tuple[str, str, str]]
) -> dict[tuple[str, str, str], int]:
    # Grouped by source and queried with a plain IN on message ids: the unique index serves it
    # on every backend (row-value IN lists are not always planned as index look-ups).
    by_source: dict[tuple[str, str], list[str]] = {}
    for platform, source_id, message_id in identities:
        by_source.setdefault((platform, source_id), []).append(message_id)
    found: dict[tuple[str, str, str], int] = {}
    for (platform, source_id), message_ids in by_source.items():
        for start in range(0, len(message_ids), 500):
            rows = await session.execute(
                _ids_query(),
                {
                    "event": event_id,
                    "platform": Platform(platform),
                    "source": source_id,
                    "messages": message_ids[start : start + 500],
                },
            )
            for message_id, ask_id in rows:
                found[(platform, source_id, message_id)] = ask_id
    return found


async def _blocked_keys(session: AsyncSession, event_id: int) -> dict[str, frozenset[int]]:
    """Asks the host split off: their text must not merge back into the question they left."""
    blocked: dict[str, set[int]] = {}
    rows = await session.execute(_blocks_query(), {"event": event_id})
    for key, other in rows:
        blocked.setdefault(key, set()).add(other)
    return {k: frozenset(v) for k, v in blocked.items()}


@cache
def _chatter_upsert(dialect: str) -> Insert:
    """Add to an event's chatter count, or start it: built once per database kind (building
    the ON CONFLICT clause costs more than running it)."""
    make = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = make(ChatterCount)
    return stmt.on_conflict_do_update(
        index_elements=[ChatterCount.event_id, ChatterCount.platform],
        set_={"count": ChatterCount.count + stmt.excluded.count},
    )


async def _count_chatter(session: AsyncSession, event_id: int, counts: dict[str, int]) -> None:
    """Add the batch's chatter to the event's counts: one upsert, whatever the platforms."""
    if not counts:
        return
    await session.execute(
        _chatter_upsert(session.get_bind().dialect.name),
        [
            {"event_id": event_id, "platform": Platform(platform), "count": n}
            for platform, n in counts.items()
        ],
    )


async def live_event_ids(session: AsyncSession) -> list[int]:
    """Events currently collecting."""
    rows = await session.scalars(select(Event.id).where(Event.status == EventStatus.live))
    return list(rows)
