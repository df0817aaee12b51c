"""The host's and moderators' actions on questions, and questions added by hand."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import event as sa_event
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.events.service import NotFound
from app.questions.schemas import QuestionPatch
from intake.asks import IncomingAsk, IngestResult
from intake.bookkeeping import audit, new_question, recount, score_of, touch
from intake.ingest import Intake, ingest
from intake.matching.hostlog import record_merge, record_split
from intake.suggestions import follow_merge, marks_into
from intake.text.language import detect_language
from intake.text.normalize import normalize
from intake.votes import upvote as add_vote
from models import (
    Ask,
    Event,
    MergeBlock,
    Platform,
    Question,
    QuestionStatus,
    Vote,
)


class Conflict(Exception):
    """The change was based on a stale view, or breaks a queue rule."""


class FieldConflict(Conflict):
    """Someone else changed the same field first: both versions, for the caller to choose."""

    def __init__(self, *, question_id: int, field: str, theirs: object, yours: object) -> None:
        what = {"text": "the text", "note": "the note", "status": "the status"}.get(field, field)
        after = (
            f" (it is now {str(theirs).replace('_', ' ')})"
            if field == "status"
            else ". Your version is kept: compare the two and save again, or cancel"
        )
        super().__init__(f"Someone else changed {what} of #{question_id} first{after}.")
        self.question_id, self.field, self.theirs, self.yours = question_id, field, theirs, yours


def _value(value: object) -> object:
    return value.value if isinstance(value, QuestionStatus) else value


def check_seen(question: Question, data: QuestionPatch) -> None:
    """Refuse a change to a field that changed since the caller saw it (unless it already
    reads as the caller wants). Fields the caller does not change never conflict."""
    assert data.seen is not None
    seen = data.seen.model_dump(exclude_unset=True)
    for field, wanted in data.model_dump(exclude_unset=True, exclude={"version", "seen"}).items():
        if field not in seen or wanted is None:
            continue
        now = getattr(question, field)
        if field == "note":
            now, wanted = now or "", (wanted or "").strip()
            seen[field] = seen[field] or ""
        if field == "text":
            wanted = wanted.strip()
        if _value(now) != _value(seen[field]) and _value(now) != _value(wanted):
            raise FieldConflict(
                question_id=question.id, field=field, theirs=_value(now), yours=_value(wanted)
            )


async def get_question(session: AsyncSession, *, question_id: int, lock: bool = False) -> Question:
    # populate_existing: asks written by ingestion's bulk insert are not in the identity map.
    query = (
        select(Question)
        .where(Question.id == question_id)
        .options(selectinload(Question.asks))
        .execution_options(populate_existing=True)
    )
    if lock:
        query = query.with_for_update()
    question = await session.scalar(query)
    if question is None:
        raise NotFound(f"question {question_id} not found")
    return question


async def take_question(session: AsyncSession, *, intake: Intake, question_id: int) -> Question:
    """The question, to change: its event's queue is taken first (as every writer does, so
    writers never wait for each other in opposite orders), then its row is locked."""
    event_id = await session.scalar(select(Question.event_id).where(Question.id == question_id))
    if event_id is None:
        raise NotFound(f"question {question_id} not found")
    await intake.hold(session, event_id)
    return await get_question(session, question_id=question_id, lock=True)


def _refuse_if_empty(question: Question, doing: str) -> None:
    """A question left with no asks (merged into another, or every message deleted) is an
    empty row: it cannot come back to the queue, be voted on or take part in a merge."""
    if question.asks:
        return
    where = f" ({question.note})" if question.note and question.note.startswith("merged") else ""
    raise Conflict(
        f"question {question.id} has no asks left{where}: it cannot {doing}; "
        "act on the question its asks went to"
    )


async def _event(session: AsyncSession, event_id: int) -> Event:
    event = await session.get(Event, event_id)
    if event is None:
        raise NotFound(f"event {event_id} not found")
    return event


async def add_by_hand(
    session: AsyncSession,
    *,
    intake: Intake,
    event_id: int,
    text: str,
    author: str | None,
    source: str | None,
    actor: str,
) -> IngestResult:
    """A question the host or a moderator types in (read out in the room, sent by email…)."""
    await _event(session, event_id)
    platform = Platform.email if (source or "").strip().lower() == "email" else Platform.manual
    ask = IncomingAsk(
        platform=platform,
        source_id="manual",
        message_id=uuid.uuid4().hex,
        text=text,
        asked_at=intake.clock(),
        author_id=None,
        author_name=author,
        source_label=source,
        force_question=True,
    )
    [result] = await ingest(session, intake=intake, event_id=event_id, asks=[ask], actor=actor)
    return result


async def change(
    session: AsyncSession,
    *,
    intake: Intake,
    question: Question,
    data: QuestionPatch,
    actor: str,
) -> Question:
    """Apply a host's change; every change is audited, one question on air per event."""
    now = intake.clock()
    if data.seen is not None:
        check_seen(question, data)
    elif data.version is not None and data.version != question.version:
        raise Conflict(
            f"#{question.id} was changed by someone else since you loaded it (it is now "
            f"{question.status.value.replace('_', ' ')}); look again and retry"
        )
    event = await _event(session, question.event_id)
    fields = data.model_dump(exclude_unset=True, exclude={"version", "seen"})
    marks: list[int] = []
    if data.status is not None and data.status is not question.status:
        _refuse_if_empty(question, f"change status to {data.status.value}")
        if data.status is QuestionStatus.on_air:
            # Putting one on air returns the previous one to open (unless answered).
            await session.execute(
                update(Question)
                .where(
                    Question.event_id == question.event_id,
                    Question.status == QuestionStatus.on_air,
                    Question.id != question.id,
                )
                .values(status=QuestionStatus.open, updated_at=now, version=Question.version + 1)
                .execution_options(synchronize_session="fetch")
            )
        old = question.status
        question.status = data.status
        index = await intake.hold(session, question.event_id)
        if data.status is QuestionStatus.hidden:
            index.discard(question.id)
        elif old is QuestionStatus.hidden:
            index.upsert(question.id, question.match_key)
        if QuestionStatus.hidden in (old, data.status):
            # Rows marked "maybe the same as" this one lose (or regain) their mark.
            marks = await marks_into(session, event_id=question.event_id, question_id=question.id)
    if data.pinned is not None:
        question.pinned = data.pinned
    if data.note is not None:
        question.note = data.note.strip() or None
    if data.text is not None and data.text.strip() and data.text != question.text:
        question.text = data.text.strip()
        question.language = detect_language(question.text)
        key = normalize(question.text)
        if key:
            question.match_key = key
            if question.status is not QuestionStatus.hidden:
                (await intake.hold(session, question.event_id)).upsert(question.id, key)
    touch(question, now)
    question.score = score_of(question, event)
    audit(
        session,
        event_id=question.event_id,
        question_id=question.id,
        actor=actor,
        action="question_changed",
        at=now,
        **{k: (v.value if hasattr(v, "value") else v) for k, v in fields.items()},
        **({"marks": marks} if marks else {}),
    )
    await session.flush()
    return question


class Repeated(Conflict):
    """The same person did the same thing twice (a second +1 of their own)."""


async def upvote(
    session: AsyncSession, *, intake: Intake, question: Question, actor: str, once: bool = False
) -> None:
    """An explicit vote from the room or the host: each call counts one, unless `once`: then
    it is this actor's own +1, counted once (the dashboard's `u`)."""
    _refuse_if_empty(question, "be upvoted")
    changed = await add_vote(
        session,
        intake=intake,
        question_id=question.id,
        voter=f"manual:{actor}" if once else f"manual:{uuid.uuid4().hex}",
        platform=Platform.manual,
    )  # counted in the database, and in `question`, which this session holds
    if not changed:
        raise Repeated(f"You already gave #{question.id} a +1.")


async def merge(
    session: AsyncSession,
    *,
    intake: Intake,
    question: Question,
    into_id: int,
    actor: str,
    merge_log: Path | None = None,
) -> Question:
    """Fold `question` into another: its asks and votes move; it disappears from the queue."""
    if into_id == question.id:
        raise Conflict("a question cannot be merged into itself")
    target = await get_question(session, question_id=into_id)
    if target.event_id != question.event_id:
        raise Conflict(f"question {into_id} belongs to another event")
    _refuse_if_empty(question, "be merged")
    _refuse_if_empty(target, "take a merge")
    event = await _event(session, question.event_id)
    now = intake.clock()
    await session.execute(
        update(Ask).where(Ask.question_id == question.id).values(question_id=target.id)
    )
    target_voters = set(
        await session.scalars(select(Vote.voter_key).where(Vote.question_id == target.id))
    )
    for vote in await session.scalars(select(Vote).where(Vote.question_id == question.id)):
        if vote.voter_key in target_voters:
            await session.delete(vote)
        else:
            vote.question_id = target.id
    question.status = QuestionStatus.hidden
    touch(question, now)
    question.note = f"merged into #{target.id}"
    (await intake.hold(session, event.id)).discard(question.id)
    await recount(session, question, event)
    await recount(session, target, event)
    if question.pinned:
        target.pinned = True
    touch(target, now)
    # Suggestions from and into the merged question follow it: their rows' marks change too.
    marks = await follow_merge(session, merged=question.id, into=target.id, now=now)
    audit(
        session,
        event_id=event.id,
        question_id=target.id,
        actor=actor,
        action="merged",
        at=now,
        merged=question.id,
        text=question.text,
        into_text=target.text,
        marks=marks,
    )
    kept, merged = target.text, question.text
    _after_commit(
        session,
        lambda: record_merge(
            merge_log, event_id=event.id, kept_text=kept, merged_text=merged, at=now
        ),
    )
    await session.flush()
    session.expire(target, ["asks"])
    return await get_question(session, question_id=target.id)


async def split(
    session: AsyncSession,
    *,
    intake: Intake,
    ask_id: int,
    actor: str,
    merge_log: Path | None = None,
) -> Question:
    """Undo a false merge: the ask becomes its own question, never merged back automatically."""
    ask = await session.get(Ask, ask_id)
    if ask is None:
        raise NotFound(f"ask {ask_id} not found")
    await intake.hold(session, ask.event_id)
    old = await get_question(session, question_id=ask.question_id, lock=True)
    if len(old.asks) < 2:
        raise Conflict(f"ask {ask_id} is already its question's only ask")
    event = await _event(session, old.event_id)
    now = intake.clock()
    key = normalize(ask.text) or old.match_key
    new = new_question(
        event,
        text=ask.text,
        key=key,
        asked_at=ask.asked_at,
        now=now,
        status=QuestionStatus.pending
        if old.status is QuestionStatus.pending
        else QuestionStatus.open,
    )
    session.add(new)
    await session.flush()
    ask.question_id = new.id
    session.add_all(
        [
            MergeBlock(
                event_id=event.id,
                question_id=new.id,
                other_question_id=old.id,
                match_key=key,
                created_at=now,
            ),
            MergeBlock(
                event_id=event.id,
                question_id=old.id,
                other_question_id=new.id,
                match_key=old.match_key,
                created_at=now,
            ),
        ]
    )
    await recount(session, new, event)
    await recount(session, old, event)
    touch(old, now)
    (await intake.hold(session, event.id)).upsert(new.id, key)
    audit(
        session,
        event_id=event.id,
        question_id=new.id,
        actor=actor,
        action="split",
        at=now,
        ask_id=ask.id,
        from_question=old.id,
        text=ask.text,
        from_text=old.text,
    )
    kept, split_off = old.text, ask.text
    _after_commit(
        session,
        lambda: record_split(
            merge_log, event_id=event.id, kept_text=kept, split_text=split_off, at=now
        ),
    )
    await session.flush()
    return await get_question(session, question_id=new.id)


def _after_commit(session: AsyncSession, action: Callable[[], None]) -> None:
    """Run `action` once the transaction commits (the host's merge log records only what
    really happened)."""
    sa_event.listen(session.sync_session, "after_commit", lambda _s: action(), once=True)
