"""Changes the platforms report after a message was ingested: edits, deletions, bans."""

from __future__ import annotations

from collections.abc import Collection
from functools import cache

from sqlalchemy import Select, bindparam, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from intake.bookkeeping import audit, author_key, recount, touch
from intake.ingest import Intake, refresh_index
from intake.suggestions import marks_into
from intake.text.clean import clean_text
from intake.text.normalize import normalize, shown_text
from kit.db import one_of
from models import MAX_TEXT, Ask, Event, Platform, Question, QuestionStatus

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
    query = _asks_of_messages(session.get_bind().dialect.name)
    for source_id, message_ids in by_source.items():
        rows = await session.execute(
            query,
            {
                "events": sorted(event_ids),
                "platform": platform,
                "source": source_id,
                "messages": sorted(message_ids),
            },
        )
        for message_id, event_id, question_id in rows:
            found.setdefault((source_id, message_id), []).append((event_id, question_id))
    return found


@cache
def _asks_of_messages(dialect: str) -> Select[str, int, int]:
    """Built once per kind of database: a batch's votes run it for every source."""
    return select(Ask.message_id, Ask.event_id, Ask.question_id).where(
        one_of(Ask.event_id, "events", dialect),
        Ask.platform == bindparam("platform"),
        Ask.source_id == bindparam("source"),
        one_of(Ask.message_id, "messages", dialect),
    )


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
    text = clean_text(text).strip()
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
            # Rows marked "maybe the same as" the hidden question lose their mark.
            marks = await marks_into(session, event_id=event.id, question_id=question.id)
            audit(
                session,
                event_id=event.id,
                question_id=target.id,
                actor=platform.value,
                action="ask_merged",
                at=now,
                ask_id=ask.id,
                from_question=question.id,
                **({"marks": marks} if marks else {}),
            )
        else:
            question.text, question.match_key = shown_text(text), key or question.match_key
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
    marks: list[int] = []
    if remaining is None:
        question.status = QuestionStatus.hidden
        index.discard(question.id)
        marks = await marks_into(session, event_id=event.id, question_id=question.id)
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
        **({"marks": marks} if marks else {}),
    )
    return question.id
