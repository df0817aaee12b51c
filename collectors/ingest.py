"""The one entry point every source calls: messages in, questions out, in the caller's transaction.

Per ask: idempotent insert → question detection → normalization → duplicate search among the
event's questions that are not hidden → attach to the match or create a new question.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from collectors.asks import IncomingAsk, IngestResult, Outcome
from collectors.bookkeeping import audit, author_key, pseudonym_key, score_of
from collectors.matching import IndexRegistry, LexicalMatcher
from collectors.matching.index import EventIndex
from collectors.text.detect import is_question
from collectors.text.normalize import normalize
from kit.clock import Clock, utcnow
from models import (
    MAX_TEXT,
    Ask,
    ChatterCount,
    Event,
    EventStatus,
    MergeBlock,
    Question,
    QuestionStatus,
)

# Re-read rows changed this long before the last refresh: commits land out of timestamp order.
_REFRESH_OVERLAP = timedelta(seconds=10)
# A question in one of these states takes new asks but stays where the host put it.
_SETTLED = {QuestionStatus.answered, QuestionStatus.dismissed}


class EventNotFound(LookupError):
    pass


@dataclass
class Intake:
    """Ingestion's process-wide state, made at start-up: indexes, the clock, per-event locks."""

    indexes: IndexRegistry = field(default_factory=lambda: IndexRegistry(LexicalMatcher()))
    clock: Clock = utcnow
    _locks: dict[int, asyncio.Lock] = field(default_factory=dict)
    _secret: bytes | None = None

    def lock(self, event_id: int) -> asyncio.Lock:
        # One ingest per event at a time in this process, so two copies of a new question
        # arriving together make one question, not two.
        return self._locks.setdefault(event_id, asyncio.Lock())

    async def secret(self, session: AsyncSession) -> bytes:
        if self._secret is None:
            self._secret = await pseudonym_key(session)
        return self._secret


async def refresh_index(session: AsyncSession, intake: Intake, event_id: int) -> EventIndex:
    """Bring the event's index up to date with rows other transactions changed."""
    index = intake.indexes.get(event_id)
    started = intake.clock()
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
    async with intake.lock(event_id):
        return await _ingest_locked(session, intake, event_id, asks, actor)


async def _ingest_locked(
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
    seen = await _already_ingested(session, event_id, asks)
    blocked = await _blocked_keys(session, event_id)
    chatter: dict[str, int] = {}
    # (question id, author key) pairs known to exist: distinct-asker counting within the batch.
    askers: set[tuple[int, str]] = set()
    results: list[IngestResult] = []

    for incoming in asks:
        identity = (incoming.platform.value, incoming.source_id, incoming.message_id)
        if identity in seen:
            results.append(IngestResult(Outcome.duplicate, ask_id=seen[identity]))
            continue
        text = incoming.text.strip()
        if not text:
            results.append(IngestResult(Outcome.rejected, reason="empty text"))
            continue
        if len(text) > MAX_TEXT:
            results.append(
                IngestResult(Outcome.rejected, reason=f"text longer than {MAX_TEXT} characters")
            )
            continue
        key = normalize(text)
        if not key or not is_question(text, event.question_mode, force=incoming.force_question):
            chatter[incoming.platform.value] = chatter.get(incoming.platform.value, 0) + 1
            results.append(IngestResult(Outcome.chatter))
            continue

        exclude = blocked.get(key, frozenset())
        match = index.best(key, exclude=exclude)
        question = await _live_question(session, event_id, match.question_id) if match else None
        a_key = author_key(secret, incoming.platform.value, incoming.author_id)
        if question is None:
            question = Question(
                event_id=event_id, text=text, match_key=key,
                status=QuestionStatus.pending if event.review else QuestionStatus.open,
                pinned=False, ask_count=0, upvotes=0, score=0, paid=False, asked_again=0,
                first_asked_at=incoming.asked_at, last_asked_at=incoming.asked_at,
                created_at=now, updated_at=now, version=1,
            )
            session.add(question)
            await session.flush()
            index.upsert(question.id, key)
            outcome = Outcome.created
            new_asker = True
        else:
            outcome = Outcome.merged
            new_asker = a_key is None or (
                (question.id, a_key) not in askers
                and not await _has_asked(session, question.id, a_key)
            )
        ask = Ask(
            event_id=event_id, question_id=question.id, platform=incoming.platform,
            source_id=incoming.source_id, message_id=incoming.message_id,
            author_key=a_key, author_name=incoming.author_name, text=text,
            source_label=incoming.source_label, paid=incoming.paid,
            thread_id=incoming.thread_id, asked_at=incoming.asked_at, received_at=now,
        )
        session.add(ask)
        if a_key is not None:
            askers.add((question.id, a_key))
        _count_ask(question, event, incoming, new_asker=new_asker, now=now)
        await session.flush()
        seen[identity] = ask.id
        audit(
            session, event_id=event_id, question_id=question.id,
            actor=actor or incoming.platform.value,
            action="question_created" if outcome is Outcome.created else "ask_merged",
            at=now, ask_id=ask.id, platform=incoming.platform.value,
            **({"score": round(match.score, 1)} if match and outcome is Outcome.merged else {}),
        )
        results.append(IngestResult(outcome, question_id=question.id, ask_id=ask.id))

    await _count_chatter(session, event_id, chatter)
    await session.flush()
    return results


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
    question.updated_at = now
    question.version += 1


async def _already_ingested(
    session: AsyncSession, event_id: int, asks: Sequence[IncomingAsk]
) -> dict[tuple[str, str, str], int]:
    identities = {(a.platform.value, a.source_id, a.message_id) for a in asks}
    found: dict[tuple[str, str, str], int] = {}
    chunk = list(identities)
    for start in range(0, len(chunk), 500):
        part = chunk[start:start + 500]
        rows = await session.execute(
            select(Ask.platform, Ask.source_id, Ask.message_id, Ask.id).where(
                Ask.event_id == event_id,
                tuple_(Ask.platform, Ask.source_id, Ask.message_id).in_(part),
            )
        )
        for platform, source_id, message_id, ask_id in rows:
            found[(platform.value, source_id, message_id)] = ask_id
    return found


async def _blocked_keys(session: AsyncSession, event_id: int) -> dict[str, frozenset[int]]:
    """Asks the host split off: their text must not merge back into the question they left."""
    blocked: dict[str, set[int]] = {}
    rows = await session.execute(
        select(MergeBlock.match_key, MergeBlock.other_question_id).where(
            MergeBlock.event_id == event_id
        )
    )
    for key, other in rows:
        blocked.setdefault(key, set()).add(other)
    return {k: frozenset(v) for k, v in blocked.items()}


async def _live_question(session: AsyncSession, event_id: int, question_id: int) -> Question | None:
    question = await session.get(Question, question_id)
    if question is None or question.event_id != event_id or question.status is QuestionStatus.hidden:
        return None
    return question


async def _has_asked(session: AsyncSession, question_id: int, a_key: str) -> bool:
    found = await session.scalar(
        select(Ask.id).where(Ask.question_id == question_id, Ask.author_key == a_key).limit(1)
    )
    return found is not None


async def _count_chatter(session: AsyncSession, event_id: int, counts: dict[str, int]) -> None:
    for platform, n in counts.items():
        row = await session.scalar(
            select(ChatterCount).where(
                ChatterCount.event_id == event_id, ChatterCount.platform == platform
            )
        )
        if row is None:
            session.add(ChatterCount(event_id=event_id, platform=platform, count=n))
        else:
            row.count += n


async def live_event_ids(session: AsyncSession) -> list[int]:
    """Events currently collecting."""
    rows = await session.scalars(select(Event.id).where(Event.status == EventStatus.live))
    return list(rows)
