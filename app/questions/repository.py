"""Question queries: the host's ordering, keyset pagination, search."""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload
from sqlalchemy.sql.elements import ColumnElement

from intake.text.normalize import normalize
from models import Question, QuestionStatus

Sort = Literal["score", "time"]

# on_air first, then pinned, then the sort's own keys; the id makes every key unique.
_ON_AIR_RANK = case((Question.status == QuestionStatus.on_air, 0), else_=1)
_PINNED_RANK = case((Question.pinned, 0), else_=1)


_INT32 = 2**31 - 1


class BadCursor(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Page:
    items: Sequence[Question]
    next_cursor: str | None


def _key_columns(sort: Sort) -> list[tuple[ColumnElement[Any], bool]]:
    """(expression, ascending) pairs in order."""
    cols: list[tuple[ColumnElement[Any], bool]] = [(_ON_AIR_RANK, True), (_PINNED_RANK, True)]
    if sort == "score":
        cols.append((Question.score.expression, False))
    cols += [(Question.first_asked_at.expression, True), (Question.id.expression, True)]
    return cols


def _key_values(q: Question, sort: Sort) -> list[object]:
    values: list[object] = [0 if q.status is QuestionStatus.on_air else 1, 0 if q.pinned else 1]
    if sort == "score":
        values.append(q.score)
    values += [q.first_asked_at.isoformat(), q.id]
    return values


def encode_cursor(q: Question, sort: Sort) -> str:
    raw = json.dumps([sort, *_key_values(q, sort)]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str, sort: Sort) -> list[object]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
        if not isinstance(values, list) or values[0] != sort:
            raise ValueError
        values = values[1:]
        if len(values) != len(_key_columns(sort)):
            raise ValueError
        # Every value must fit its column: a forged cursor must not overflow the database.
        for i, value in enumerate(values):
            if i == len(values) - 2:
                continue
            if type(value) is not int or not -_INT32 <= value <= _INT32:
                raise ValueError
        at = datetime.fromisoformat(values[-2])
        if at.tzinfo is None:
            raise ValueError
        values[-2] = at.astimezone(UTC)
        return values  # type: ignore[no-any-return]
    except (
        ValueError,
        TypeError,
        OverflowError,
        RecursionError,
        json.JSONDecodeError,
        IndexError,
    ) as exc:
        raise BadCursor("cursor is not one this API issued for this sort") from exc


def _after(sort: Sort, values: list[object]) -> ColumnElement[bool]:
    """Rows strictly after `values` in the sort order (keyset, no OFFSET)."""
    cols = _key_columns(sort)
    clause: ColumnElement[bool] | None = None
    for (col, asc), value in reversed(list(zip(cols, values, strict=True))):
        beyond = col > value if asc else col < value
        clause = beyond if clause is None else or_(beyond, and_(col == value, clause))
    assert clause is not None
    return clause


async def page_questions(
    session: AsyncSession,
    *,
    event_id: int,
    statuses: Sequence[QuestionStatus],
    sort: Sort = "score",
    search: str | None = None,
    platform: str | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> Page:
    query = select(Question).where(Question.event_id == event_id, Question.status.in_(statuses))
    if search:
        needle = normalize(search)
        if needle:
            query = query.where(Question.match_key.contains(needle, autoescape=True))
    if platform:
        from models import Ask

        query = query.where(
            select(Ask.id).where(Ask.question_id == Question.id, Ask.platform == platform).exists()
        )
    if cursor:
        query = query.where(_after(sort, _decode_cursor(cursor, sort)))
    order = [col.asc() if asc else col.desc() for col, asc in _key_columns(sort)]
    query = query.order_by(*order).limit(limit + 1).options(selectinload(Question.asks))
    rows = list((await session.scalars(query)).all())
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(rows, encode_cursor(rows[-1], sort) if more and rows else None)


async def status_counts(session: AsyncSession, *, event_id: int) -> dict[str, int]:
    rows = await session.execute(
        select(Question.status, func.count())
        .where(Question.event_id == event_id)
        .group_by(Question.status)
    )
    counts = {s.value: 0 for s in QuestionStatus}
    for status, n in rows:
        counts[status.value] = int(n)
    return counts


async def export_questions(
    session: AsyncSession, *, event_id: int, statuses: Sequence[QuestionStatus]
) -> Sequence[Question]:
    """Every matching question in queue order, asks loaded (exports are not paginated)."""
    order = [col.asc() if asc else col.desc() for col, asc in _key_columns("score")]
    rows = await session.scalars(
        select(Question)
        .where(Question.event_id == event_id, Question.status.in_(statuses))
        .order_by(*order)
        .options(selectinload(Question.asks))
    )
    return rows.all()
