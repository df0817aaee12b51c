"""Counting a batch's askers (distinct people per question) and its chatter (per platform)."""

from __future__ import annotations

from datetime import datetime
from functools import cache

from sqlalchemy import Insert, Select, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from intake.asks import IncomingAsk
from intake.batch import SETTLED, Joined
from intake.bookkeeping import NewQuestion, score_of, touch
from kit.db import one_of
from models import Ask, ChatterCount, Event, Platform, Question


async def count_new_askers(session: AsyncSession, joined: dict[int, Joined]) -> None:
    """How many of each question's askers in this batch never asked it before (one query,
    by question: the asks index on question_id serves it)."""
    keys = {k for j in joined.values() for k in j.authors}
    existing: set[tuple[int, str | None]] = set()
    ids = [qid for qid, j in joined.items() if j.authors]
    for start in range(0, len(ids), 500):
        part = ids[start : start + 500]
        rows = await session.execute(
            _askers_query(session.get_bind().dialect.name), {"questions": part, "keys": list(keys)}
        )
        existing.update((qid, key) for qid, key in rows)
    for qid, j in joined.items():
        j.new_askers = j.anonymous + sum((qid, k) not in existing for k in j.authors)


def count_ask(
    question: Question | NewQuestion,
    event: Event,
    incoming: IncomingAsk,
    *,
    new_asker: bool,
    now: datetime,
) -> None:
    if new_asker:
        question.ask_count += 1
    if incoming.paid:
        question.paid = True
    if question.status in SETTLED:
        question.asked_again += 1
    question.first_asked_at = min(question.first_asked_at, incoming.asked_at)
    question.last_asked_at = max(question.last_asked_at, incoming.asked_at)
    question.score = score_of(question, event)
    touch(question, now)


@cache
def _askers_query(dialect: str) -> Select[int, str | None]:
    return (
        select(Ask.question_id, Ask.author_key)
        .where(
            one_of(Ask.question_id, "questions", dialect),
            one_of(Ask.author_key, "keys", dialect),
        )
        .distinct()
    )


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


async def count_chatter(session: AsyncSession, event_id: int, counts: dict[str, int]) -> None:
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
