"""Reading an event's audit trail and rendering its entries as Server-Sent Events, once for
every stream that wants them."""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.questions.repository import status_counts, suggested_count
from app.questions.shapes import question_out
from models import AuditEntry, Question


def sse(data: Any, *, event: str | None = None, entry_id: int | None = None) -> str:
    """One SSE message; json.dumps writes no newlines, so data is a single line."""
    head = f"id: {entry_id}\n" if entry_id is not None else ""
    head += f"event: {event}\n" if event else ""
    return f"{head}data: {json.dumps(data, separators=(',', ':'))}\n\n"


async def last_entry_id(session: AsyncSession, *, event_id: int) -> int:
    found = await session.scalar(_last_entry_id(), {"event": event_id})
    return int(found or 0)


@cache
def _last_entry_id() -> Select[int]:
    return select(func.max(AuditEntry.id)).where(AuditEntry.event_id == bindparam("event"))


async def tab_counts(session: AsyncSession, *, event_id: int) -> dict[str, int]:
    """Questions per status, and `as_of`: the stream position they include at least.

    Counts reach a page two ways, the stream and a refetch, which may arrive in either order;
    the page keeps whichever is as of the later position. The position is read first, so the
    counts read after it include at least everything up to it.
    """
    as_of = await last_entry_id(session, event_id=event_id)
    return {
        **await status_counts(session, event_id=event_id),
        "suggested": await suggested_count(session, event_id=event_id),  # the review lane
        "as_of": as_of,
    }


async def count_after(session: AsyncSession, *, event_id: int, after: int) -> int:
    return int(
        await session.scalar(
            select(func.count()).where(AuditEntry.event_id == event_id, AuditEntry.id > after)
        )
        or 0
    )


async def entries_after(
    session: AsyncSession,
    *,
    event_id: int,
    after: int,
    limit: int,
    between: tuple[int, int] | None = None,
    skip: Iterable[int] = (),
) -> list[AuditEntry]:
    """Entries past `after`, or (for late commits) inside `between` and not in `skip`."""
    query = select(AuditEntry).where(AuditEntry.event_id == event_id)
    if between is None:
        query = query.where(AuditEntry.id > after)
    else:
        query = query.where(AuditEntry.id > between[0], AuditEntry.id <= between[1])
        skipped = list(skip)
        if skipped:
            query = query.where(AuditEntry.id.not_in(skipped))
    rows = await session.scalars(query.order_by(AuditEntry.id).limit(limit))
    return list(rows)


def touched(entry: AuditEntry) -> set[int]:
    """The questions an entry changed: a merge and a split change two, and a merge the rows
    whose suggestion it moved or closed (`marks`)."""
    ids = {entry.question_id} if entry.question_id is not None else set()
    detail = entry.detail or {}
    for key in ("merged", "from_question"):
        value = detail.get(key)
        if isinstance(value, int):
            ids.add(value)
    marks = detail.get("marks")
    if isinstance(marks, list):
        ids.update(m for m in marks if isinstance(m, int))
    return ids


@dataclass(frozen=True, slots=True)
class Rendered:
    """A batch of entries as SSE messages: (entry id, message) per names setting, then the
    tabs' counts."""

    changes: dict[bool, list[tuple[int, str]]]
    counts: str
    _chunks: dict[bool, bytes] = field(default_factory=dict, compare=False, repr=False)

    def chunk(self, names: bool) -> bytes:
        """The whole batch for a stream with nothing else waiting: encoded once for all."""
        found = self._chunks.get(names)
        if found is None:
            text = "".join(m for _, m in self.changes[names]) + self.counts
            found = self._chunks[names] = text.encode()
        return found


async def render(
    session: AsyncSession, *, event_id: int, entries: list[AuditEntry], names: Collection[bool]
) -> Rendered:
    """Render entries once for each names setting asked for (questions loaded once)."""
    wanted = set().union(*(touched(e) for e in entries))
    rows: list[Question] = []
    if wanted:
        rows = list(
            await session.scalars(
                select(Question).where(Question.id.in_(wanted)).options(selectinload(Question.asks))
            )
        )
    changes: dict[bool, list[tuple[int, str]]] = {}
    for with_names in names:
        shown = {q.id: question_out(q, names=with_names).model_dump(mode="json") for q in rows}
        changes[with_names] = [
            (
                e.id,
                sse(
                    {
                        "action": e.action,
                        "question_id": e.question_id,
                        "questions": [shown[i] for i in sorted(touched(e)) if i in shown],
                    },
                    event="change",
                    entry_id=e.id,
                ),
            )
            for e in entries
        ]
    counts = sse(await tab_counts(session, event_id=event_id), event="counts")
    return Rendered(changes, counts)


async def change_messages(
    session: AsyncSession, *, event_id: int, entries: list[AuditEntry], names: bool
) -> list[str]:
    """The SSE messages for a batch of entries, then the tabs' counts."""
    batch = await render(session, event_id=event_id, entries=entries, names={names})
    return [message for _, message in batch.changes[names]] + [batch.counts]
