"""What every export format shows of a question."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from kit.bidi import neutralise, neutralise_optional
from models import Question

PLATFORM_NAMES = {
    "telegram": "Telegram",
    "youtube": "YouTube",
    "manual": "in the room",
    "email": "email",
    "web": "web",
}


@dataclass(frozen=True, slots=True)
class ExportRow:
    id: int
    text: str
    status: str
    ask_count: int
    upvotes: int
    score: int
    platforms: dict[str, int]  # platform → asks from it
    note: str | None
    first_asked_at: datetime
    authors: tuple[str, ...]  # empty unless the host asked for names

    def where(self) -> str:
        return ", ".join(PLATFORM_NAMES.get(p, p) for p in sorted(self.platforms))

    def asked(self) -> str:
        n = self.ask_count
        return f"asked {n}× ({self.where()})" if n != 1 else f"asked once ({self.where()})"


def export_rows(questions: Sequence[Question], *, names: bool) -> list[ExportRow]:
    rows = []
    for q in questions:
        authors: tuple[str, ...] = ()
        if names:
            authors = tuple(
                dict.fromkeys(neutralise(a.author_name) for a in q.asks if a.author_name)
            )
        rows.append(
            ExportRow(
                id=q.id,
                text=neutralise(q.text),
                status=q.status.value,
                ask_count=q.ask_count,
                upvotes=q.upvotes,
                score=q.score,
                platforms=dict(Counter(a.platform.value for a in q.asks)),
                note=neutralise_optional(q.note),
                first_asked_at=q.first_asked_at,
                authors=authors,
            )
        )
    return rows
