"""Changes the platforms report after a message was ingested: edits, deletions, bans, votes."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from collectors.bookkeeping import audit, author_key, recount, touch
from collectors.ingest import Intake, refresh_index
from collectors.text.normalize import normalize
from models import MAX_TEXT, Ask, Event, Platform, Question, QuestionStatus, Vote

_EDITABLE = {QuestionStatus.pending, QuestionStatus.open}


async def asks_for_message(
    session: AsyncSession, *, platform: Platform, source_id: str, message_id: str
) -> list[Ask]:
    """The asks a platform message became (one per event that collects from the source)."""
    rows = await session.scalars(
        select(Ask).where(
            Ask.platform == platform, Ask.source_id == source_id, Ask.message_id == message_id
        )
    )
    return list(rows)


async def edit_ask(
    session: AsyncSession,
    *,
    intake: Intake,
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
        session, platform=platform, source_id=source_id, message_id=message_id
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
    session: AsyncSession, *, intake: Intake, platform: Platform, source_id: str, message_id: str
) -> list[int]:
    """A message deleted at its source: its ask goes; a question left without asks is hidden."""
    touched = []
    for ask in await asks_for_message(
        session, platform=platform, source_id=source_id, message_id=message_id
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
    """One vote per voter per question; `replace` sets a weighted vote (anonymous reaction
    counts). Returns whether the question's upvotes changed."""
    now = intake.clock()
    question = await session.get(Question, question_id)
    if question is None:
        return False
    await intake.hold(session, question.event_id)
    event = await session.get(Event, question.event_id)
    assert event is not None
    existing = await session.scalar(
        select(Vote).where(Vote.question_id == question_id, Vote.voter_key == voter)
    )
    if existing is not None:
        if not replace or existing.weight == weight:
            return False
        if weight <= 0:
            await session.delete(existing)
        else:
            existing.weight = weight
    elif weight <= 0:
        return False
    else:
        session.add(
            Vote(
                question_id=question_id,
                voter_key=voter,
                platform=platform,
                weight=weight,
                created_at=now,
            )
        )
    await recount(session, question, event)
    touch(question, now)
    audit(
        session,
        event_id=event.id,
        question_id=question.id,
        actor=platform.value,
        action="upvoted",
        at=now,
        upvotes=question.upvotes,
    )
    await session.flush()
    return True


def voter_key(secret: bytes, platform: Platform, user_id: str) -> str:
    """The key a platform user votes under: pseudonymous, like author keys."""
    key = author_key(secret, platform.value, user_id)
    assert key is not None
    return key
