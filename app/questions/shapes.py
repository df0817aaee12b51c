"""The queue in the API's shape: a question and its asks, its row's mark, and pages of them
(from ORM objects, or from plain rows on the hot read path: the same bytes either way)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.questions import repository
from app.questions.repository import PageQuery
from app.questions.schemas import AskOut, QuestionOut, QuestionPage, SuggestionOut
from models import Question, QuestionStatus


async def queue_page(session: AsyncSession, query: PageQuery, *, names: bool) -> QuestionPage:
    """One page of the queue in the host's order, in the API's shape."""
    page = await repository.page_questions(session, query)
    return QuestionPage(
        items=[question_out(x, names=names) for x in page.items], next_cursor=page.next_cursor
    )


async def queue_page_fast(session: AsyncSession, query: PageQuery, *, names: bool) -> QuestionPage:
    """queue_page from plain rows: the same answer (a test compares them byte for byte) at a
    fraction of the cost, for the queue's hot read path."""
    page = await repository.page_rows(session, query)
    items = []
    for q in page.questions:
        asks = page.asks[q.id]
        items.append(
            QuestionOut.model_construct(
                id=q.id,
                event_id=q.event_id,
                text=q.text,
                language=q.language,
                status=q.status,
                pinned=q.pinned,
                note=q.note,
                ask_count=q.ask_count,
                upvotes=q.upvotes,
                score=q.score,
                paid=q.paid,
                asked_again=q.asked_again,
                platforms=sorted({a.platform.value for a in asks}),
                first_asked_at=q.first_asked_at,
                last_asked_at=q.last_asked_at,
                updated_at=q.updated_at,
                version=q.version,
                suggestion=None if q.status is QuestionStatus.hidden else page.marks.get(q.id),
                asks=[
                    AskOut.model_construct(
                        id=a.id,
                        platform=a.platform.value,
                        author=a.author_name if names else None,
                        text=a.text,
                        asked_at=a.asked_at,
                        source=a.source_label,
                        paid=a.paid,
                    )
                    for a in asks
                ],
            )
        )
    return QuestionPage.model_construct(items=items, next_cursor=page.next_cursor)


def suggestion_out(q: Question) -> SuggestionOut | None:
    """The row's mark: the best open suggestion into a question still in the queue."""
    for s in q.suggestions:
        if s.into_status is not QuestionStatus.hidden and s.into_status is not None:
            return SuggestionOut(
                id=s.id,
                into=s.into_id,
                into_text=s.into_text,
                into_ask_count=s.into_ask_count,
                score=s.score,
                by="meaning" if s.by == "meaning" else "words",
            )
    return None


def question_out(q: Question, *, names: bool = False) -> QuestionOut:
    """The API shape; askers' names only when the caller asked for them."""
    return QuestionOut(
        suggestion=suggestion_out(q) if q.status is not QuestionStatus.hidden else None,
        id=q.id,
        event_id=q.event_id,
        text=q.text,
        language=q.language,
        status=q.status,
        pinned=q.pinned,
        note=q.note,
        ask_count=q.ask_count,
        upvotes=q.upvotes,
        score=q.score,
        paid=q.paid,
        asked_again=q.asked_again,
        platforms=sorted({a.platform.value for a in q.asks}),
        first_asked_at=q.first_asked_at,
        last_asked_at=q.last_asked_at,
        updated_at=q.updated_at,
        version=q.version,
        asks=[
            AskOut(
                id=a.id,
                platform=a.platform.value,
                author=a.author_name if names else None,
                text=a.text,
                asked_at=a.asked_at,
                source=a.source_label,
                paid=a.paid,
            )
            for a in q.asks
        ],
    )
