"""Keyset pagination, as a property: paging through the queue while new questions arrive shows
every question that was there exactly once, and never any question twice (Hypothesis)."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.questions.repository import PageQuery, page_questions
from intake.bookkeeping import new_question
from models import QuestionStatus
from tests.factories import T0, make_event

STATUSES = [QuestionStatus.pending, QuestionStatus.open, QuestionStatus.on_air]

# A question's sort keys: score, pinned, on air, minutes after T0 (ties on purpose).
QUESTION = st.tuples(
    st.integers(0, 4),
    st.booleans(),
    st.sampled_from(STATUSES + [QuestionStatus.answered]),
    st.integers(0, 5),
)
SCENARIO = st.tuples(
    st.lists(QUESTION, max_size=25),  # there at the start
    st.lists(st.lists(QUESTION, max_size=3), max_size=12),  # arriving before each next page
    st.integers(1, 6),  # page size
    st.sampled_from(["score", "time"]),
)


def _add(session, event, spec, n):
    score, pinned, status, minute = spec
    q = new_question(
        event,
        text=f"Question {n}?",
        key=f"question {n}",
        asked_at=T0 + timedelta(minutes=minute),
        now=T0,
        status=status,
    )
    q.score, q.pinned = score, pinned
    session.add(q)
    return q


@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(scenario=SCENARIO)
async def test_every_question_exactly_once_while_new_ones_arrive(session, scenario):
    start, arrivals, limit, sort = scenario
    savepoint = await session.begin_nested()  # each example undoes its own rows
    try:
        event = await make_event(session)
        n = 0
        there = []
        for spec in start:
            n += 1
            there.append(_add(session, event, spec, n))
        await session.flush()
        # At most one question on air, as the service keeps it.
        on_air = [q for q in there if q.status is QuestionStatus.on_air]
        for q in on_air[1:]:
            q.status = QuestionStatus.open
        await session.flush()
        shown = [q.id for q in there if q.status in STATUSES]

        seen: list[int] = []
        cursor = None
        pages = 0
        while True:
            page = await page_questions(
                session,
                PageQuery(event.id, tuple(STATUSES), sort=sort, limit=limit, cursor=cursor),
            )
            seen += [q.id for q in page.items]
            pages += 1
            assert pages <= 200, "pagination does not end"
            if page.next_cursor is None:
                break
            cursor = page.next_cursor
            for spec in arrivals[pages - 1] if pages - 1 < len(arrivals) else []:
                n += 1
                new = _add(session, event, spec, n)
                if new.status is QuestionStatus.on_air:
                    new.status = QuestionStatus.open
            await session.flush()

        assert len(seen) == len(set(seen)), "a question was shown twice"
        assert set(shown) <= set(seen), "a question that was there was never shown"
    finally:
        await savepoint.rollback()
