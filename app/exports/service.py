"""Which questions an export holds, and in which format."""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from app.exports import csv_format, json_format, markdown, wikitext
from app.exports.rows import ExportRow, export_rows
from app.questions.repository import export_questions
from kit.bidi import neutralise
from models import Event, QuestionStatus

Format = Literal["csv", "json", "md", "wikitext"]
Scope = Literal["unanswered", "answered", "all"]

SCOPES: dict[str, tuple[QuestionStatus, ...]] = {
    # Unanswered = every question not answered, dismissed or hidden.
    "unanswered": (QuestionStatus.pending, QuestionStatus.open, QuestionStatus.on_air),
    "answered": (QuestionStatus.answered,),
    "all": (
        QuestionStatus.pending,
        QuestionStatus.open,
        QuestionStatus.on_air,
        QuestionStatus.answered,
        QuestionStatus.dismissed,
    ),
}
RENDERERS: dict[str, Callable[..., bytes]] = {
    "csv": csv_format.render,
    "json": json_format.render,
    "md": markdown.render,
    "wikitext": wikitext.render,
}
MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "md": "text/markdown; charset=utf-8",
    "wikitext": "text/plain; charset=utf-8",
}
SUFFIX = {"csv": "csv", "json": "json", "md": "md", "wikitext": "wiki"}


def title_for(event: Event, scope: str) -> str:
    label = {
        "unanswered": "Unanswered questions",
        "answered": "Answered questions",
        "all": "Questions",
    }[scope]
    return f"{label} — {neutralise(event.title)}"


def about(event: Event, *, scope: str, now: datetime) -> dict[str, object]:
    """What a JSON export says of itself: the event, its times, and when it was made."""
    return {
        "id": event.id,
        "slug": event.slug,
        "title": neutralise(event.title),
        "status": event.status.value,
        "created_at": event.created_at.isoformat(),
        "planned_end_at": event.planned_end_at.isoformat() if event.planned_end_at else None,
        "ended_at": event.ended_at.isoformat() if event.ended_at else None,
        "scope": scope,
        "exported_at": now.isoformat(),
    }


async def export(
    session: AsyncSession,
    *,
    event: Event,
    fmt: Format,
    scope: Scope,
    names: bool,
    now: datetime,
    bom: bool | None = None,
) -> tuple[bytes, str, str]:
    """The file's bytes, media type and a download name. A CSV starts with a byte-order mark
    unless bom=False: without one, common spreadsheets garble every non-Latin letter."""
    questions = await export_questions(session, event_id=event.id, statuses=SCOPES[scope])
    rows: Sequence[ExportRow] = export_rows(questions, names=names)
    extra = {"about": about(event, scope=scope, now=now)} if fmt == "json" else {}
    body = RENDERERS[fmt](rows, title=title_for(event, scope), names=names, **extra)
    if fmt == "csv" and bom is not False:
        body = codecs.BOM_UTF8 + body
    filename = f"{re.sub(r'[^A-Za-z0-9_-]+', '-', event.slug)}-{scope}.{SUFFIX[fmt]}"
    return body, MEDIA[fmt], filename
