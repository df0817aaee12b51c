"""Questions that may say the same as another, offered to a moderator who merges by hand."""

from __future__ import annotations

import asyncio

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from intake.ingest import Intake, refresh_index
from intake.matching.suggest import AlikeBy, Meaning, candidates, offer
from models import MergeBlock, Question, QuestionStatus, Suggestion, SuggestionStatus


async def similar(
    session: AsyncSession,
    *,
    intake: Intake,
    question: Question,
    limit: int,
    meaning: Meaning | None = None,
) -> list[tuple[Question, float, AlikeBy]]:
    """Questions of the same event that may say the same as `question`, to offer a moderator
    who merges by hand: (question, score 0–100, "words" or "meaning"), most alike first. Never
    those the host split from it, nor a pair a moderator dismissed. Alike in words and (with
    `meaning`) in meaning, ranked together (`intake.matching.suggest.offer`)."""
    index = await refresh_index(session, intake, question.event_id)
    split_from = set(
        await session.scalars(
            select(MergeBlock.other_question_id).where(MergeBlock.question_id == question.id)
        )
    )
    excluded = frozenset({question.id, *split_from, *await dismissed_with(session, question.id)})
    words = candidates(index, question.match_key, exclude=excluded)
    near: dict[int, float] = {}
    if meaning is not None and meaning.encoder is not None:
        meaning.warm(question.event_id, index)
        near = await asyncio.to_thread(
            meaning.nearest,
            question.event_id,
            question.match_key,
            index=index,
            exclude=excluded,
            also=words,
        )
    found = [(o.question_id, o.score, o.by) for o in offer(words, near, limit=limit)]
    if not found:
        return []
    rows = {
        q.id: q
        for q in await session.scalars(
            select(Question)
            .where(
                Question.id.in_([qid for qid, _, _ in found]),
                Question.event_id == question.event_id,
                Question.status != QuestionStatus.hidden,
            )
            .options(selectinload(Question.asks))
        )
    }
    return [(rows[qid], score, by) for qid, score, by in found if qid in rows]


async def dismissed_with(session: AsyncSession, question_id: int) -> set[int]:
    """The questions a moderator said `question_id` is not the same as (either way round)."""
    rows = await session.execute(
        select(Suggestion.question_id, Suggestion.into_id).where(
            Suggestion.status == SuggestionStatus.dismissed,
            (Suggestion.question_id == question_id) | (Suggestion.into_id == question_id),
        )
    )
    return {b if a == question_id else a for a, b in rows}
