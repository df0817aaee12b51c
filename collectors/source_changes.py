"""Changes the platforms report after a message was ingested: edits, deletions, bans, votes."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import Table, bindparam, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from collectors.bookkeeping import audit, author_key, recount, touch
from collectors.ingest import Intake, refresh_index
from collectors.text.normalize import normalize
from kit.changes import notify_on_commit
from models import MAX_TEXT, Ask, AuditEntry, Event, Platform, Question, QuestionStatus, Vote

_EDITABLE = {QuestionStatus.pending, QuestionStatus.open}


async def asks_for_message(
    session: AsyncSession,
    *,
    event_ids: Collection[int],
    platform: Platform,
    source_id: str,
    message_id: str,
) -> list[Ask]:
    """The asks a platform message became in these events (one per event that collects from
    the source). The events lead the lookup, as they lead the asks' unique index."""
    rows = await session.scalars(
        select(Ask).where(
            Ask.event_id.in_(sorted(event_ids)),
            Ask.platform == platform,
            Ask.source_id == source_id,
            Ask.message_id == message_id,
        )
    )
    return list(rows)


async def asks_for_messages(
    session: AsyncSession,
    *,
    event_ids: Collection[int],
    platform: Platform,
    messages: set[tuple[str, str]],
) -> dict[tuple[str, str], list[tuple[int, int]]]:
    """(event id, question id) of the asks each (source id, message id) became in these
    events, in one query per source."""
    by_source: dict[str, list[str]] = {}
    for source_id, message_id in messages:
        by_source.setdefault(source_id, []).append(message_id)
    found: dict[tuple[str, str], list[tuple[int, int]]] = {}
    for source_id, message_ids in by_source.items():
        rows = await session.execute(
            select(Ask.message_id, Ask.event_id, Ask.question_id).where(
                Ask.event_id.in_(sorted(event_ids)),
                Ask.platform == platform,
                Ask.source_id == source_id,
                Ask.message_id.in_(sorted(message_ids)),
            )
        )
        for message_id, event_id, question_id in rows:
            found.setdefault((source_id, message_id), []).append((event_id, question_id))
    return found


async def edit_ask(
    session: AsyncSession,
    *,
    intake: Intake,
    event_ids: Collection[int],
    platform: Platform,
    source_id: str,
    message_id: str,
    text: str,
) -> list[int]:
    """The ask's text follows an edit; a question made of that ask alone follows too and is
    matched again. Returns the ids of the questions touched."""
    text = text.strip()
    if not text or len(text) > MAX_TEXT:
        return []
    now = intake.clock()
    touched = []
    for ask in await asks_for_message(
        session, event_ids=event_ids, platform=platform, source_id=source_id, message_id=message_id
    ):
        if ask.text == text:
            continue
        index = await intake.hold(session, ask.event_id)
        ask.text, ask.edited_at = text, now
        question = await session.get(Question, ask.question_id)
        event = await session.get(Event, ask.event_id)
        assert question is not None and event is not None
        touched.append(question.id)
        audit(
            session,
            event_id=event.id,
            question_id=question.id,
            actor=platform.value,
            action="ask_edited",
            at=now,
            ask_id=ask.id,
        )
        siblings = await session.scalar(
            select(Ask.id).where(Ask.question_id == question.id, Ask.id != ask.id).limit(1)
        )
        if siblings is not None or question.status not in _EDITABLE:
            continue
        key = normalize(text)
        await refresh_index(session, intake, event.id, force=True)
        match = index.best(key, exclude={question.id}) if key else None
        target = await session.get(Question, match.question_id) if match else None
        if target is not None and target.status is not QuestionStatus.hidden:
            ask.question_id = target.id
            await session.flush()
            question.status = QuestionStatus.hidden
            touch(question, now)
            index.discard(question.id)
            await recount(session, question, event)
            await recount(session, target, event)
            touch(target, now)
            touched.append(target.id)
            audit(
                session,
                event_id=event.id,
                question_id=target.id,
                actor=platform.value,
                action="ask_merged",
                at=now,
                ask_id=ask.id,
                from_question=question.id,
            )
        else:
            question.text, question.match_key = text, key or question.match_key
            touch(question, now)
            index.upsert(question.id, question.match_key)
    await session.flush()
    return touched


async def remove_ask(
    session: AsyncSession,
    *,
    intake: Intake,
    event_ids: Collection[int],
    platform: Platform,
    source_id: str,
    message_id: str,
) -> list[int]:
    """A message deleted at its source: its ask goes; a question left without asks is hidden."""
    touched = []
    for ask in await asks_for_message(
        session, event_ids=event_ids, platform=platform, source_id=source_id, message_id=message_id
    ):
        touched.append(
            await _drop_ask(session, intake, ask, actor=platform.value, reason="deleted at source")
        )
    await session.flush()
    return touched


async def hide_author(
    session: AsyncSession, *, intake: Intake, event_id: int, platform: Platform, author_id: str
) -> list[int]:
    """A banned author: their asks in this event are removed, and questions left empty hidden."""
    await intake.hold(session, event_id)
    secret = await intake.secret(session)
    key = author_key(secret, platform.value, author_id)
    asks = await session.scalars(
        select(Ask).where(Ask.event_id == event_id, Ask.platform == platform, Ask.author_key == key)
    )
    touched = [
        await _drop_ask(session, intake, ask, actor=platform.value, reason="author banned")
        for ask in list(asks)
    ]
    await session.flush()
    return sorted(set(touched))


async def _drop_ask(
    session: AsyncSession, intake: Intake, ask: Ask, *, actor: str, reason: str
) -> int:
    now = intake.clock()
    index = await intake.hold(session, ask.event_id)
    question = await session.get(Question, ask.question_id)
    event = await session.get(Event, ask.event_id)
    assert question is not None and event is not None
    await session.execute(delete(Ask).where(Ask.id == ask.id))
    remaining = await session.scalar(select(Ask.id).where(Ask.question_id == question.id).limit(1))
    if remaining is None:
        question.status = QuestionStatus.hidden
        index.discard(question.id)
    await recount(session, question, event)
    touch(question, now)
    audit(
        session,
        event_id=event.id,
        question_id=question.id,
        actor=actor,
        action="ask_removed",
        at=now,
        reason=reason,
        **({"hidden": True} if remaining is None else {}),
    )
    return question.id


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


async def upvotes(
    session: AsyncSession, *, intake: Intake, platform: Platform, votes: Sequence[VoteIn]
) -> list[bool]:
    """Apply votes in order, one per voter per question, in a handful of statements however
    many there are. Returns, per vote, whether its question's upvotes changed."""
    if not votes:
        return []
    now = intake.clock()
    events: dict[int, int] = {
        qid: event_id
        for qid, event_id in await session.execute(
            select(Question.id, Question.event_id).where(
                Question.id.in_(sorted({v.question_id for v in votes}))
            )
        )
    }
    for event_id in sorted(set(events.values())):
        await intake.hold(session, event_id)
    await session.flush()  # votes the session holds as objects count too
    counts = {
        qid: [up, score, version]
        for qid, up, score, version in await session.execute(
            select(Question.id, Question.upvotes, Question.score, Question.version).where(
                Question.id.in_(list(events))
            )
        )
    }
    found: dict[tuple[int, str], tuple[int, int]] = {
        (qid, key): (vote_id, weight)
        for vote_id, qid, key, weight in await session.execute(
            select(Vote.id, Vote.question_id, Vote.voter_key, Vote.weight).where(
                Vote.question_id.in_(list(events)),
                Vote.voter_key.in_(sorted({v.voter for v in votes})),
            )
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
    table = cast(Table, Vote.__table__)
    if gone:
        await session.execute(delete(table).where(table.c.id.in_(gone)))
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
    table = cast(Table, Question.__table__)
    rows = [
        {"b_id": qid, "b_upvotes": up, "b_score": score, "b_version": version + 1}
        for qid, (up, score, version) in sorted(counts.items())
    ]
    await session.execute(
        update(table)
        .where(table.c.id == bindparam("b_id"))
        .values(
            upvotes=bindparam("b_upvotes"),
            score=bindparam("b_score"),
            version=bindparam("b_version"),
            updated_at=now,
        ),
        rows,
    )
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
