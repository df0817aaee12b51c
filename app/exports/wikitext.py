"""MediaWiki wikitext: a bullet list ready to paste into a wiki notes page."""

from __future__ import annotations

import re
from collections.abc import Sequence

from app.exports.rows import ExportRow

# Anything the parser could read as markup: links, templates, tags, bold/italic, tables,
# signatures (~~~~), entities, magic words (__TOC__), or list/heading syntax at line start.
_MARKUP = re.compile(r"[\[\]{}<>|~&']|__|^[*#:;=\-]|=$|https?://|\bISBN\b|\bRFC\b|\bPMID\b")


def escape(text: str) -> str:
    """Chat text as plain text on the wiki; wrapped in <nowiki> only when it needs it."""
    text = " ".join(text.split())
    if not _MARKUP.search(text):
        return text
    return "<nowiki>" + text.replace("<", "&lt;").replace(">", "&gt;") + "</nowiki>"


def render(rows: Sequence[ExportRow], *, title: str, names: bool) -> bytes:
    lines = [f"== {escape(title)} ==", ""]
    if not rows:
        lines.append("''No questions.''")
    for r in rows:
        line = f"* {escape(r.text)} — ''{r.asked()}''"
        if names and r.authors:
            line += f" — {escape(', '.join(r.authors))}"
        lines.append(line)
        if r.note:
            lines.append(f"** Note: {escape(r.note)}")
    return ("\n".join(lines) + "\n").encode("utf-8")
