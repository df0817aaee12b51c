"""Which questions an export holds, and in which format."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from app.exports import csv_format, json_format, markdown, wikitext
from app.exports.rows import ExportRow, export_rows
from app.questions.repository import export_questions
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
    return f"{label} — {event.title}"


async def export(
    session: AsyncSession, *, event: Event, fmt: Format, scope: Scope, names: bool
) -> tuple[bytes, str, str]:
    """The file's bytes, media type and a download name."""
    questions = await export_questions(session, event_id=event.id, statuses=SCOPES[scope])
    rows: Sequence[ExportRow] = export_rows(questions, names=names)
    body = RENDERERS[fmt](rows, title=title_for(event, scope), names=names)
    filename = f"{re.sub(r'[^A-Za-z0-9_-]+', '-', event.slug)}-{scope}.{SUFFIX[fmt]}"
    return body, MEDIA[fmt], filename
