"""JSON: the event (title, times, scope, when exported) and its questions."""

from __future__ import annotations

import json
from collections.abc import Sequence

from app.exports.rows import ExportRow


def render(
    rows: Sequence[ExportRow],
    *,
    title: str,
    names: bool,
    about: dict[str, object] | None = None,
) -> bytes:
    items = []
    for r in rows:
        item: dict[str, object] = {
            "id": r.id,
            "text": r.text,
            "status": r.status,
            "ask_count": r.ask_count,
            "upvotes": r.upvotes,
            "score": r.score,
            "platforms": r.platforms,
            "note": r.note,
            "first_asked_at": r.first_asked_at.isoformat(),
        }
        if names:
            item["authors"] = list(r.authors)
        items.append(item)
    document = {"title": title, "event": about or {}, "questions": items}
    return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")
