"""Votes on questions: reactions, "+1" replies and clicks, one per voter per question."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from sqlalchemy import Delete, Select, Update, bindparam, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from intake.bookkeeping import author_key
from intake.ingest import Intake
from kit.changes import notify_on_commit
from kit.db import one_of
from models import AuditEntry, Platform, Question, Vote
from models.base import UTCDateTime, table_of


@dataclass(frozen=True, slots=True)
class VoteIn:
    """One vote to apply: `replace` sets a weighted vote (anonymous reaction counts), and a
    weight of 0 then withdraws it."""

    question_id: int
    voter: str
    weight: int = 1
    replace: bool = False


async def upvote(
    session: AsyncSession,
    *,
    intake: Intake,
    question_id: int,
    voter: str,
    platform: Platform,
    weight: int = 1,
    replace: bool = False,
) -> bool:
    """One vote per voter per question. Returns whether the question's upvotes changed."""
    [changed] = await upvotes(
        session,
        intake=intake,
        platform=platform,
        votes=[VoteIn(question_id, voter, weight, replace)],
    )
    return changed


# Built once per kind of database: a batch's statements cost more to build than to run.


@cache
def _events_query(dialect: str) -> Select[int, int]:
    return select(Question.id, Question.event_id).where(one_of(Question.id, "ids", dialect))


@cache
def _counts_query(dialect: str) -> Select[int, int, int, int]:
    return select(Question.id, Question.upvotes, Question.score, Question.version).where(
        one_of(Question.id, "ids", dialect)
    )


@cache
def _votes_query(dialect: str) -> Select[int, int, str, int]:
    return select(Vote.id, Vote.question_id, Vote.voter_key, Vote.weight).where(
        one_of(Vote.question_id, "ids", dialect), one_of(Vote.voter_key, "voters", dialect)
    )


@cache
def _votes_delete(dialect: str) -> Delete:
    table = table_of(Vote)
    return delete(table).where(one_of(table.c.id, "ids", dialect))


@cache
def _counts_update() -> Update:
    table = table_of(Question)
    return (
        update(table)
        .where(table.c.id == bindparam("b_id"))
        .values(
            upvotes=bindparam("b_upvotes"),
            score=bindparam("b_score"),
            version=bindparam("b_version"),
            updated_at=bindparam("b_now", type_=UTCDateTime()),
        )
    )


async def upvotes(
    session: AsyncSession, *, intake: Intake, platform: Platform, votes: Sequence[VoteIn]
) -> list[bool]:
    """Apply votes in order, one per voter per question, in a handful of statements however
    many there are. Returns, per vote, whether its question's upvotes changed."""
    if not votes:
        return []
    now = intake.clock()
    dialect = session.get_bind().dialect.name
    events: dict[int, int] = {
        qid: event_id
        for qid, event_id in await session.execute(
            _events_query(dialect), {"ids": sorted({v.question_id for v in votes})}
        )
    }
    for event_id in sorted(set(events.values())):
        await intake.hold(session, event_id)
    await session.flush()  # votes the session holds as objects count too
    counts = {
        qid: [up, score, version]
        for qid, up, score, version in await session.execute(
            _counts_query(dialect), {"ids": list(events)}
        )
    }
    found: dict[tuple[int, str], tuple[int, int]] = {
        (qid, key): (vote_id, weight)
        for vote_id, qid, key, weight in await session.execute(
            _votes_query(dialect),
            {"ids": list(events), "voters": sorted({v.voter for v in votes})},
        )
    }
    weights: dict[tuple[int, str], int | None] = {k: w for k, (_, w) in found.items()}
    changed: list[bool] = []
    audits: list[dict[str, object]] = []
    touched: set[int] = set()
    for vote in votes:
        key = (vote.question_id, vote.voter)
        current = weights.get(key)
        if vote.question_id not in events or (current is None and vote.weight <= 0):
            changed.append(False)
            continue
        if current is not None and (not vote.replace or current == vote.weight):
            changed.append(False)
            continue
        new = vote.weight if vote.weight > 0 else None
        weights[key] = new
        count = counts[vote.question_id]
        count[0] += (new or 0) - (current or 0)
        count[1] += (new or 0) - (current or 0)
        changed.append(True)
        touched.add(vote.question_id)
        audits.append(
            {
                "event_id": events[vote.question_id],
                "question_id": vote.question_id,
                "actor": platform.value,
                "action": "upvoted",
                "detail": {"upvotes": count[0]},
                "at": now,
            }
        )
    if touched:
        await _write_votes(session, platform, found, weights, now)
        await _write_counts(session, {qid: counts[qid] for qid in touched}, now)
        await session.execute(insert(AuditEntry), audits)
        for event_id in {events[qid] for qid in touched}:
            notify_on_commit(session, event_id)
    return changed


async def _write_votes(
    session: AsyncSession,
    platform: Platform,
    found: dict[tuple[int, str], tuple[int, int]],
    weights: dict[tuple[int, str], int | None],
    now: datetime,
) -> None:
    gone = [found[k][0] for k, w in weights.items() if w is None and k in found]
    moved = [
        {"b_id": found[k][0], "b_weight": w}
        for k, w in weights.items()
        if w is not None and k in found and found[k][1] != w
    ]
    added = [
        {
            "question_id": qid,
            "voter_key": voter,
            "platform": platform,
            "weight": w,
            "created_at": now,
        }
        for (qid, voter), w in weights.items()
        if w is not None and (qid, voter) not in found
    ]
    table = table_of(Vote)
    if gone:
        await session.execute(_votes_delete(session.get_bind().dialect.name), {"ids": gone})
    if moved:
        await session.execute(
            update(table)
            .where(table.c.id == bindparam("b_id"))
            .values(weight=bindparam("b_weight")),
            moved,
        )
    if added:
        await session.execute(insert(table), added)


async def _write_counts(session: AsyncSession, counts: dict[int, list[int]], now: datetime) -> None:
    """The questions' new upvotes and scores (by id: [upvotes, score, version before]), and
    the objects the session holds for them."""
    rows = [
        {"b_id": qid, "b_upvotes": up, "b_score": score, "b_version": version + 1, "b_now": now}
        for qid, (up, score, version) in sorted(counts.items())
    ]
    await session.execute(_counts_update(), rows)
    sync = session.sync_session
    for row in rows:
        held = sync.identity_map.get(sync.identity_key(Question, row["b_id"]))
        if held is not None:
            set_committed_value(held, "upvotes", row["b_upvotes"])
            set_committed_value(held, "score", row["b_score"])
            set_committed_value(held, "version", row["b_version"])
            set_committed_value(held, "updated_at", now)


def voter_key(secret: bytes, platform: Platform, user_id: str) -> str:
    """The key a platform user votes under: pseudonymous, like author keys."""
    key = author_key(secret, platform.value, user_id)
    assert key is not None
    return key
