"""A moderator's answer to a suggestion on a row: merge (one key) or dismiss (for good)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from app.events.service import NotFound
from app.questions import service as questions
from app.questions.service import Conflict
from intake.bookkeeping import audit, touch
from intake.ingest import Intake
from models import Question, QuestionStatus, Suggestion, SuggestionStatus


async def _open(session: AsyncSession, suggestion_id: int) -> Suggestion:
    suggestion = await session.get(Suggestion, suggestion_id, populate_existing=True)
    if suggestion is None:
        raise NotFound(f"suggestion {suggestion_id} not found")
    if suggestion.status is not SuggestionStatus.open:
        raise Conflict(f"suggestion {suggestion_id} was {suggestion.status.value} already")
    return suggestion


async def merge(
    session: AsyncSession,
    *,
    intake: Intake,
    suggestion_id: int,
    actor: str,
    merge_log: Path | None = None,
) -> Question:
    """Merge the suggestion's question into the earlier one it names, which keeps its place,
    text and status; the asks and votes move to it."""
    suggestion = await _open(session, suggestion_id)
    question = await questions.take_question(
        session, intake=intake, question_id=suggestion.question_id
    )
    if question.status is QuestionStatus.hidden:
        raise Conflict(f"question {question.id} was merged or hidden already")
    if suggestion.into_status is QuestionStatus.hidden:
        raise Conflict(f"question {suggestion.into_id} was merged or hidden already")
    target = await questions.merge(
        session,
        intake=intake,
        question=question,
        into_id=suggestion.into_id,
        actor=actor,
        merge_log=merge_log,
    )
    suggestion.status = SuggestionStatus.merged
    suggestion.updated_at = intake.clock()
    await session.flush()
    return target


async def dismiss(
    session: AsyncSession, *, intake: Intake, suggestion_id: int, actor: str
) -> Question:
    """The two differ: the suggestion goes, and the pair is never offered again (the row shows
    the next suggestion, if any)."""
    suggestion = await _open(session, suggestion_id)
    question = await questions.take_question(
        session, intake=intake, question_id=suggestion.question_id
    )
    now = intake.clock()
    suggestion.status = SuggestionStatus.dismissed
    suggestion.updated_at = now
    touch(question, now)  # the row changes: clients holding the old version take the new one
    audit(
        session,
        event_id=question.event_id,
        question_id=question.id,
        actor=actor,
        action="suggestion_dismissed",
        at=now,
        into=suggestion.into_id,
    )
    await session.flush()
    return await questions.get_question(session, question_id=question.id)
