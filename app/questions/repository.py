"""Question queries: the host's ordering, keyset pagination, search."""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any, Literal

from sqlalchemy import Row, Select, and_, bindparam, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload
from sqlalchemy.sql.elements import ColumnElement

from app.questions.schemas import SuggestionOut
from intake.text.normalize import normalize
from kit.db import one_of
from models import Ask, Question, QuestionStatus, Suggestion, SuggestionStatus
from models.question import ON_AIR_RANK, PINNED_RANK

Sort = Literal["score", "time"]


_INT32 = 2**31 - 1


class BadCursor(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Page:
    items: Sequence[Question]
    next_cursor: str | None


def _key_columns(sort: Sort) -> list[tuple[ColumnElement[Any], bool]]:
    """(expression, ascending) pairs in order."""
    # on_air first, then pinned (the queue-order index's own expressions, models/question.py),
    # then the sort's own keys; the id makes every key unique.
    cols: list[tuple[ColumnElement[Any], bool]] = [(ON_AIR_RANK, True), (PINNED_RANK, True)]
    if sort == "score":
        cols.append((Question.score.expression, False))
    cols += [(Question.first_asked_at.expression, True), (Question.id.expression, True)]
    return cols


def _key_values(q: Question | Row[*tuple[Any, ...]], sort: Sort) -> list[object]:
    values: list[object] = [0 if q.status is QuestionStatus.on_air else 1, 0 if q.pinned else 1]
    if sort == "score":
        values.append(q.score)
    values += [q.first_asked_at.isoformat(), q.id]
    return values


def encode_cursor(q: Question | Row[*tuple[Any, ...]], sort: Sort) -> str:
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


@dataclass(frozen=True, slots=True)
class PageQuery:
    """What a page of the queue is asked for: hashable, so it also keys the page's cache."""

    event_id: int
    statuses: tuple[QuestionStatus, ...]
    sort: Sort = "score"
    search: str | None = None
    platform: str | None = None
    limit: int = 50
    cursor: str | None = None
    suggested: bool = False  # only questions with an open suggestion (the review lane)


def _page_query(what: Select[*tuple[Any, ...]], page: PageQuery) -> Select[*tuple[Any, ...]]:
    query = what.where(Question.event_id == page.event_id, Question.status.in_(page.statuses))
    if page.suggested:
        query = query.where(has_open_suggestion())
    if page.search:
        needle = normalize(page.search)
        if needle:
            query = query.where(Question.match_key.contains(needle, autoescape=True))
    if page.platform:
        query = query.where(
            select(Ask.id)
            .where(Ask.question_id == Question.id, Ask.platform == page.platform)
            .exists()
        )
    if page.cursor:
        query = query.where(_after(page.sort, _decode_cursor(page.cursor, page.sort)))
    order = [col.asc() if asc else col.desc() for col, asc in _key_columns(page.sort)]
    return query.order_by(*order).limit(page.limit + 1)


async def page_questions(session: AsyncSession, page: PageQuery) -> Page:
    query = _page_query(select(Question), page).options(selectinload(Question.asks))
    rows = list((await session.scalars(query)).all())
    more = len(rows) > page.limit
    rows = rows[: page.limit]
    return Page(rows, encode_cursor(rows[-1], page.sort) if more and rows else None)


QUESTION_COLUMNS = (
    Question.id,
    Question.event_id,
    Question.text,
    Question.language,
    Question.status,
    Question.pinned,
    Question.note,
    Question.ask_count,
    Question.upvotes,
    Question.score,
    Question.paid,
    Question.asked_again,
    Question.first_asked_at,
    Question.last_asked_at,
    Question.updated_at,
    Question.version,
)
ASK_COLUMNS = (
    Ask.question_id,
    Ask.id,
    Ask.platform,
    Ask.author_name,
    Ask.text,
    Ask.asked_at,
    Ask.source_label,
    Ask.paid,
)
SUGGESTION_COLUMNS = (
    Suggestion.question_id,
    Suggestion.id,
    Suggestion.into_id,
    # Named: a column property's row key is only its name when the ORM runs the query.
    Suggestion.into_text.label("into_text"),
    Suggestion.into_ask_count.label("into_ask_count"),
    Suggestion.into_status.label("into_status"),
    Suggestion.score,
    Suggestion.by,
)


@dataclass(frozen=True, slots=True)
class RowPage:
    """A page as plain rows (no ORM objects): the questions, and their asks by question id in
    the order the relationship gives them."""

    questions: Sequence[Row[*tuple[Any, ...]]]
    asks: dict[int, list[Row[*tuple[Any, ...]]]]
    next_cursor: str | None
    # Each question's best open suggestion into a question still in the queue (the row's mark).
    marks: dict[int, SuggestionOut]


async def page_rows(session: AsyncSession, page: PageQuery) -> RowPage:
    """What page_questions reads, as rows: the same query, several times cheaper to load (run
    on the session's connection: plain rows need none of the ORM's loading)."""
    connection = await session.connection()
    rows = list((await connection.execute(_page_query(select(*QUESTION_COLUMNS), page))).all())
    limit, sort = page.limit, page.sort
    more = len(rows) > limit
    rows = rows[:limit]
    asks: dict[int, list[Row[*tuple[Any, ...]]]] = {row.id: [] for row in rows}
    ids = list(asks)
    for start in range(0, len(ids), 500):
        found = await connection.execute(
            _asks_of(connection.dialect.name), {"ids": ids[start : start + 500]}
        )
        for ask in found:
            asks[ask.question_id].append(ask)
    marks: dict[int, SuggestionOut] = {}
    for start in range(0, len(ids), 500):
        found = await connection.execute(
            _marks_of(connection.dialect.name), {"ids": ids[start : start + 500]}
        )
        for s in found:
            if s.question_id in marks or s.into_status in (None, QuestionStatus.hidden):
                continue
            marks[s.question_id] = SuggestionOut.model_construct(
                id=s.id,
                into=s.into_id,
                into_text=s.into_text,
                into_ask_count=s.into_ask_count,
                score=s.score,
                by="meaning" if s.by == "meaning" else "words",
            )
    return RowPage(rows, asks, encode_cursor(rows[-1], sort) if more and rows else None, marks)


# Built once per kind of database: making a statement costs more than running it on the hot
# read path.
@cache
def _asks_of(dialect: str) -> Select[*tuple[Any, ...]]:
    return (
        select(*ASK_COLUMNS)
        .where(one_of(Ask.question_id, "ids", dialect))
        .order_by(Ask.asked_at, Ask.id)
    )


@cache
def _marks_of(dialect: str) -> Select[*tuple[Any, ...]]:
    return (
        select(*SUGGESTION_COLUMNS)
        .where(
            one_of(Suggestion.question_id, "ids", dialect),
            Suggestion.status == SuggestionStatus.open,
        )
        .order_by(Suggestion.rank.desc(), Suggestion.id)
    )


@cache
def _status_counts() -> Select[QuestionStatus, int]:
    return (
        select(Question.status, func.count())
        .where(Question.event_id == bindparam("event"))
        .group_by(Question.status)
    )


async def status_counts(session: AsyncSession, *, event_id: int) -> dict[str, int]:
    rows = await session.execute(_status_counts(), {"event": event_id})
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


def has_open_suggestion() -> ColumnElement[bool]:
    """The question (not hidden) has an open suggestion into a question that is not hidden:
    the review lane."""
    into = Question.__table__.alias("into_question")
    return and_(
        Question.status != QuestionStatus.hidden,
        select(Suggestion.id)
        .join(into, into.c.id == Suggestion.into_id)
        .where(
            Suggestion.question_id == Question.id,
            Suggestion.status == SuggestionStatus.open,
            into.c.status != QuestionStatus.hidden.value,
        )
        .exists(),
    )


async def suggested_count(session: AsyncSession, *, event_id: int) -> int:
    """The review lane's count: questions with an open suggestion."""
    found = await session.scalar(_suggested_count(), {"event": event_id})
    return int(found or 0)


@cache
def _suggested_count() -> Select[int]:
    """Built once (every dashboard polls the counts; building costs more than running).
    Driven from the event's open suggestions (an index), not by probing every question: the
    count is also read on every change the live streams render."""
    into = Question.__table__.alias("into_question")
    return (
        select(func.count(func.distinct(Suggestion.question_id)))
        .join(Question, Question.id == Suggestion.question_id)
        .join(into, into.c.id == Suggestion.into_id)
        .where(
            Suggestion.event_id == bindparam("event"),
            Suggestion.status == SuggestionStatus.open,
            Question.event_id == bindparam("event"),
            Question.status != QuestionStatus.hidden,
            into.c.status != QuestionStatus.hidden.value,
        )
    )
