"""Question bookkeeping shared by ingestion, changes at the source and the host's actions."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from intake.text.language import detect_language
from intake.text.normalize import shown_text
from kit.changes import notify_on_commit
from models import Ask, AuditEntry, Event, InstanceSecret, Question, QuestionStatus, Vote


async def pseudonym_key(session: AsyncSession) -> bytes:
    """The instance's secret for author keys (created by the first migration)."""
    row = await session.scalar(select(InstanceSecret.pseudonym_key).limit(1))
    if row is None:
        raise RuntimeError("instance secret missing: run `liveq migrate`")
    return bytes.fromhex(row)


def author_key(secret: bytes, platform: str, author_id: str | None) -> str | None:
    """A keyed hash of a platform user id: counts distinct askers without keeping the id."""
    if author_id is None or author_id == "":
        return None
    digest = hmac.new(secret, f"{platform}:{author_id}".encode(), hashlib.sha256)
    return digest.hexdigest()[:32]


@dataclass(slots=True)
class NewQuestion:
    """A new question's row while its batch is read: the columns a Question is inserted with,
    without the ORM's per-attribute bookkeeping (ingest makes thousands a second)."""

    event_id: int
    text: str
    match_key: str
    language: str | None
    status: QuestionStatus
    pinned: bool
    ask_count: int
    upvotes: int
    score: int
    paid: bool
    asked_again: int
    first_asked_at: datetime
    last_asked_at: datetime
    created_at: datetime
    updated_at: datetime
    version: int
    id: int = 0  # given just before the insert
    suggest_pending: bool = False  # its suggestions are found after the commit

    def row(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in NEW_QUESTION_COLUMNS}


NEW_QUESTION_COLUMNS = tuple(f.name for f in fields(NewQuestion))


def new_question(
    event: Event,
    *,
    text: str,
    key: str,
    asked_at: datetime,
    now: datetime,
    status: QuestionStatus | None = None,
) -> Question:
    """A question made from its first ask (pending review when the event reviews first)."""
    row = new_question_row(event, text=text, key=key, asked_at=asked_at, now=now, status=status)
    return Question(**{k: v for k, v in row.row().items() if k != "id"})


def new_question_row(
    event: Event,
    *,
    text: str,
    key: str,
    asked_at: datetime,
    now: datetime,
    status: QuestionStatus | None = None,
    normalized: str | None = None,
) -> NewQuestion:
    """`new_question`'s row, not yet in the session (`normalized`: `normalize(text)`, when
    the caller has it)."""
    if status is None:
        status = QuestionStatus.pending if event.review else QuestionStatus.open
    return NewQuestion(
        event_id=event.id,
        text=shown_text(text),
        match_key=key,
        language=detect_language(text, normalized=normalized),
        status=status,
        pinned=False,
        ask_count=0,
        upvotes=0,
        score=0,
        paid=False,
        asked_again=0,
        first_asked_at=asked_at,
        last_asked_at=asked_at,
        created_at=now,
        updated_at=now,
        version=1,
    )


def touch(question: Question | NewQuestion, now: datetime) -> None:
    """Mark a question changed: clients that saw an older version are told, not overwritten."""
    question.updated_at, question.version = now, question.version + 1


def score_of(question: Question | NewQuestion, event: Event) -> int:
    return question.ask_count + question.upvotes + (event.paid_boost if question.paid else 0)


async def recount(session: AsyncSession, question: Question, event: Event) -> None:
    """Recompute a question's counts and times from its asks and votes (after merge, split…)."""
    await session.flush()
    row = (
        await session.execute(
            select(
                func.count(func.distinct(Ask.author_key)),
                func.sum(case((Ask.author_key.is_(None), 1), else_=0)),
                func.min(Ask.asked_at),
                func.max(Ask.asked_at),
                func.max(case((Ask.paid, 1), else_=0)),
            ).where(Ask.question_id == question.id)
        )
    ).one()
    distinct_authors, anonymous, first, last, paid = row
    question.ask_count = int(distinct_authors or 0) + int(anonymous or 0)
    if first is not None:
        question.first_asked_at, question.last_asked_at = first, last
    question.paid = bool(paid)
    upvotes = await session.scalar(
        select(func.coalesce(func.sum(Vote.weight), 0)).where(Vote.question_id == question.id)
    )
    question.upvotes = int(upvotes or 0)
    question.score = score_of(question, event)


def audit(
    session: AsyncSession,
    *,
    event_id: int,
    question_id: int | None,
    actor: str,
    action: str,
    at: datetime,
    **detail: Any,
) -> AuditEntry:
    """Record one change; the entry's id also orders the live stream of changes."""
    entry = AuditEntry(
        event_id=event_id,
        question_id=question_id,
        actor=actor,
        action=action,
        detail=detail,
        at=at,
    )
    session.add(entry)
    notify_on_commit(session, event_id)
    return entry
