"""A batch while it is staged, and how it is written: asks in one executemany, the questions it
joins in one UPDATE, ids given up front, and the look-ups that make ingest idempotent."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache

from sqlalchemy import (
    Boolean,
    Integer,
    Select,
    Table,
    Update,
    bindparam,
    case,
    func,
    or_,
    select,
    update,
)
from sqlalchemy import text as sql_text
from sqlalchemy.ext.asyncio import AsyncSession

from intake.asks import IncomingAsk, Outcome
from intake.bookkeeping import NewQuestion
from kit.bulk import insert_rows
from kit.db import one_of
from models import Ask, Event, MergeBlock, Platform, Question, QuestionStatus
from models.base import UTCDateTime, table_of

# A question in one of these states takes new asks but stays where the host put it.
SETTLED = {QuestionStatus.answered, QuestionStatus.dismissed}


@dataclass
class Staged:
    """One ask's fate while the batch is read; rows are written together at the end."""

    outcome: Outcome
    question: NewQuestion | None = None  # a question created by this batch
    question_id: int | None = None  # an existing question the ask joins
    row: dict[str, object] | None = None  # the ask's column values, to insert
    ask_id: int | None = None
    reason: str | None = None

    @property
    def target(self) -> int | None:
        return self.question.id if self.question is not None else self.question_id


@dataclass
class Joined:
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


async def write_asks(session: AsyncSession, items: list[Staged]) -> None:
    """Insert the batch's asks in one executemany, their ids given up front (as the
    questions' are), so nothing is read back."""
    if not items:
        return
    ids = await allocate_ids(session, Ask, len(items))
    rows = []
    for item, ask_id in zip(items, ids, strict=True):
        row = item.row
        assert row is not None and item.target is not None
        row["question_id"] = item.target
        item.ask_id = row["id"] = ask_id
        rows.append(row)
    await insert_rows(session, table_of(Ask), rows)


@cache
def _joined_update() -> Update:
    table = table_of(Question)
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
            + case((or_(*(q.status == s.value for s in SETTLED)), bindparam("b_asks")), else_=0),
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


async def apply_joined(
    session: AsyncSession, event: Event, joined: dict[int, Joined], now: datetime
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


async def insert_questions(session: AsyncSession, questions: Sequence[NewQuestion]) -> None:
    """Insert a batch's new questions (ids set) in one executemany. They are never in the
    session: the unit of work's per-object bookkeeping cost more than the rest of the insert,
    and nothing in the batch reads them back through it."""
    if questions:
        await insert_rows(session, table_of(Question), [q.row() for q in questions])


async def allocate_ids(session: AsyncSession, model: type[Ask | Question], n: int) -> list[int]:
    """`n` fresh ids for `model`'s rows: from its sequence on PostgreSQL; on SQLite after the
    largest, which is safe because every writing transaction holds the database's write lock."""
    if n == 0:
        return []
    table = table_of(model)
    if session.get_bind().dialect.name == "postgresql":
        # One row holding an array: n rows cost the driver and SQLAlchemy a row each.
        found = await session.scalar(
            sql_text(
                f"SELECT array_agg(nextval(pg_get_serial_sequence('{table.name}', 'id')))"
                " FROM generate_series(1, :n)"
            ),
            {"n": n},
        )
        return sorted(found)
    top = await session.scalar(_largest_id(table))
    return list(range(int(top or 0) + 1, int(top or 0) + 1 + n))


@cache
def _largest_id(table: Table) -> Select[int]:
    return select(func.coalesce(func.max(table.c.id), 0))


async def already_ingested(
    session: AsyncSession, event_id: int, asks: Sequence[IncomingAsk]
) -> dict[tuple[str, str, str], int]:
    return await _ids_by_identity(
        session, event_id, {(a.platform.value, a.source_id, a.message_id) for a in asks}
    )


# A batch runs a dozen statements: those built once (bound parameters, expanding IN lists) skip
# building a statement on every call, which costs more than running it.


@cache
def _ids_query(dialect: str) -> Select[str, int]:
    # On PostgreSQL the message ids are one array parameter: an IN list of 500 parameters
    # cost more to send and plan than the index look-ups it asks for (20 against 4 ms for a
    # 2,000-message YouTube page's ids).
    return select(Ask.message_id, Ask.id).where(
        Ask.event_id == bindparam("event"),
        Ask.platform == bindparam("platform"),
        Ask.source_id == bindparam("source"),
        one_of(Ask.message_id, "messages", dialect),
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
    dialect = session.get_bind().dialect.name
    part = 10_000 if dialect == "postgresql" else 500
    for (platform, source_id), message_ids in by_source.items():
        for start in range(0, len(message_ids), part):
            rows = await session.execute(
                _ids_query(dialect),
                {
                    "event": event_id,
                    "platform": Platform(platform),
                    "source": source_id,
                    "messages": message_ids[start : start + part],
                },
            )
            for message_id, ask_id in rows:
                found[(platform, source_id, message_id)] = ask_id
    return found


async def blocked_keys(session: AsyncSession, event_id: int) -> dict[str, frozenset[int]]:
    """Asks the host split off: their text must not merge back into the question they left."""
    blocked: dict[str, set[int]] = {}
    rows = await session.execute(_blocks_query(), {"event": event_id})
    for key, other in rows:
        blocked.setdefault(key, set()).add(other)
    return {k: frozenset(v) for k, v in blocked.items()}
