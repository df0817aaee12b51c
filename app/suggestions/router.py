"""/api/v1/suggestions: merge a question into the earlier one suggested on its row, or dismiss."""

from __future__ import annotations

from fastapi import APIRouter, Request

from app.deps import IntakeDep, RequireActor, SessionDep
from app.fields import SuggestionIdPath
from app.questions.schemas import QuestionOut
from app.questions.shapes import question_out
from app.suggestions import service

router = APIRouter(prefix="/api/v1", tags=["suggestions"])


@router.post("/suggestions/{suggestion_id}/merge", response_model=QuestionOut)
async def merge(
    suggestion_id: SuggestionIdPath,
    request: Request,
    session: SessionDep,
    user: RequireActor,
    intake: IntakeDep,
) -> QuestionOut:
    """Merge the question into the earlier one suggested (which keeps its place, text and
    status): the question kept, with the asks."""
    target = await service.merge(
        session,
        intake=intake,
        suggestion_id=suggestion_id,
        actor=user.actor,
        merge_log=request.app.state.merge_log,
    )
    return question_out(target)


@router.post("/suggestions/{suggestion_id}/dismiss", response_model=QuestionOut)
async def dismiss(
    suggestion_id: SuggestionIdPath, session: SessionDep, user: RequireActor, intake: IntakeDep
) -> QuestionOut:
    """Not the same: the pair is never offered again. The question, with its next suggestion."""
    question = await service.dismiss(
        session, intake=intake, suggestion_id=suggestion_id, actor=user.actor
    )
    return question_out(question)
