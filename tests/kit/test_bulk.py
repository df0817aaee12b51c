"""insert_rows: the driver's executemany stores what SQLAlchemy's own insert would, on both
databases, and its errors are SQLAlchemy's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from kit.bulk import insert_rows
from models import AuditEntry, Question, QuestionStatus
from models.base import table_of
from tests.factories import make_event

T0 = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def _audits(event_id: int, tag: str) -> list[dict]:
    return [
        {
            "event_id": event_id,
            "question_id": i if i % 2 else None,
            "actor": f"{tag} telegram",
            "action": "question_created",
            "detail": {"ask_id": i, "text": "bidi \u202e, ümlaut, 🙂", "nested": {"a": [1, None]}},
            "at": T0 + timedelta(microseconds=i),
        }
        for i in range(5)
    ]


def _questions(event_id: int, first_id: int) -> list[dict]:
    return [
        {
            "id": first_id + i,
            "event_id": event_id,
            "text": f"Will question {i} be answered?",
            "match_key": f"will question {i} be answered",
            "language": None if i else "en",
            "status": QuestionStatus.open if i % 2 else QuestionStatus.answered,
            "pinned": bool(i % 2),
            "note": None,
            "ask_count": i,
            "upvotes": 0,
            "score": i,
            "paid": False,
            "asked_again": 0,
            "first_asked_at": T0,
            "last_asked_at": T0 + timedelta(seconds=i),
            "created_at": T0,
            "updated_at": T0,
            "version": 1,
            "suggest_pending": i == 2,
        }
        for i in range(4)
    ]


async def _read(session, model, event_id: int, columns: list[str]) -> list[tuple]:
    table = table_of(model)
    rows = await session.execute(
        select(*(table.c[c] for c in columns))
        .where(table.c.event_id == event_id)
        .order_by(table.c.id)
    )
    return [tuple(r) for r in rows]


class TestInsertRows:
    async def test_stores_what_sqlalchemy_would(self, session) -> None:
        ours, theirs = await make_event(session), await make_event(session)
        await insert_rows(session, table_of(AuditEntry), _audits(ours.id, "x"))
        await session.execute(insert(table_of(AuditEntry)), _audits(theirs.id, "x"))
        await insert_rows(session, table_of(Question), _questions(ours.id, 10_001))
        await session.execute(insert(table_of(Question)), _questions(theirs.id, 20_001))

        audit = ["question_id", "actor", "action", "detail", "at"]
        assert await _read(session, AuditEntry, ours.id, audit) == await _read(
            session, AuditEntry, theirs.id, audit
        )
        question = [c for c in table_of(Question).c.keys() if c not in ("id", "event_id")]
        mine = await _read(session, Question, ours.id, question)
        assert mine == await _read(session, Question, theirs.id, question)
        assert mine[0][question.index("status")] is QuestionStatus.answered
        assert mine[1][question.index("last_asked_at")] == T0 + timedelta(seconds=1)

    async def test_nothing_to_insert_is_no_statement(self, session) -> None:
        await insert_rows(session, table_of(AuditEntry), [])

    async def test_a_refused_row_raises_sqlalchemys_error(self, session) -> None:
        event = await make_event(session)
        rows = _questions(event.id, 30_001)
        with pytest.raises(IntegrityError):
            await insert_rows(session, table_of(Question), [rows[0], rows[0]])
