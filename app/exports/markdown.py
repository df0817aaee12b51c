"""Markdown: a bullet list for notes pages and issue trackers."""

from __future__ import annotations

import re
from collections.abc import Sequence

from app.exports.rows import ExportRow

_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+\-!|~])")


def escape(text: str) -> str:
    """Chat text shown as written: no links, emphasis or HTML sneaks in."""
    return _SPECIAL.sub(r"\\\1", " ".join(text.split()))


def render(rows: Sequence[ExportRow], *, title: str, names: bool) -> bytes:
    lines = [f"# {escape(title)}", ""]
    if not rows:
        lines.append("_No questions._")
    for r in rows:
        line = f"- {escape(r.text)} — _{r.asked()}_"
        if names and r.authors:
            line += f" — {escape(', '.join(r.authors))}"
        lines.append(line)
        if r.note:
            lines.append(f"  - Note: {escape(r.note)}")
    return ("\n".join(lines) + "\n").encode("utf-8")
