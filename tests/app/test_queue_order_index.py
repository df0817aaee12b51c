"""The queue's order is read from its index, not sorted on every read: the plan of the page
query, on SQLite and PostgreSQL, walks ix_questions_queue_order with no sort step."""

from __future__ import annotations

from sqlalchemy import select, text

from app.questions.repository import QUESTION_COLUMNS, PageQuery, _page_query
from models import QuestionStatus

STATUSES = [QuestionStatus.pending, QuestionStatus.open, QuestionStatus.on_air]


async def _plan(session, query) -> str:
    # Literal values in the WHERE (a plan is a plan of the statement's shape).
    sql = str(query.compile(session.bind, compile_kwargs={"literal_binds": True}))
    if session.bind.dialect.name == "sqlite":
        rows = await session.execute(text("EXPLAIN QUERY PLAN " + sql))
        return "\n".join(str(r[-1]) for r in rows)
    # PostgreSQL picks by cost (a sequential scan on a small table): forbid the sort, and see
    # whether the index can give the order by itself.
    await session.execute(text("SET LOCAL enable_sort = off"))
    await session.execute(text("SET LOCAL enable_seqscan = off"))
    rows = await session.execute(text("EXPLAIN " + sql))
    return "\n".join(r[0] for r in rows)


def _query(sort="score", cursor=None):
    return _page_query(
        select(*QUESTION_COLUMNS),
        PageQuery(1, tuple(STATUSES), sort=sort, limit=100, cursor=cursor),
    )


async def test_the_top_of_the_queue_is_read_in_index_order(session):
    plan = await _plan(session, _query())
    assert "ix_questions_queue_order" in plan, plan
    assert "TEMP B-TREE" not in plan and "Sort" not in plan, plan


async def test_a_later_page_is_read_in_index_order_too(session):
    from datetime import UTC, datetime
    from types import SimpleNamespace

    from app.questions.repository import encode_cursor

    last = SimpleNamespace(
        status=QuestionStatus.open,
        pinned=False,
        score=12,
        first_asked_at=datetime(2026, 12, 2, 18, 30, tzinfo=UTC),
        id=4321,
    )
    plan = await _plan(session, _query(cursor=encode_cursor(last, "score")))
    assert "ix_questions_queue_order" in plan, plan
    assert "TEMP B-TREE" not in plan and "Sort" not in plan, plan
