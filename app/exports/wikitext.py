"""MediaWiki wikitext: a bullet list ready to paste into a wiki notes page."""

from __future__ import annotations

from collections.abc import Sequence

from app.exports.rows import ExportRow


def escape(text: str) -> str:
    """Chat text as plain text on the wiki: markup, templates and links stay inert."""
    return "<nowiki>" + " ".join(text.split()).replace("</nowiki>", "&lt;/nowiki>") + "</nowiki>"


def render(rows: Sequence[ExportRow], *, title: str, names: bool) -> bytes:
    lines = [f"== {escape(title)} ==", ""]
    for r in rows:
        line = f"* {escape(r.text)} ''({r.asked()})''"
        if names and r.authors:
            line += f" — {escape(', '.join(r.authors))}"
        lines.append(line)
        if r.note:
            lines.append(f"** Note: {escape(r.note)}")
    return ("\n".join(lines) + "\n").encode("utf-8")
