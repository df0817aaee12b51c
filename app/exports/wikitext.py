"""MediaWiki wikitext: a bullet list ready to paste into a wiki notes page."""

from __future__ import annotations

import re
from collections.abc import Sequence

from app.exports.rows import ExportRow

# Anything the parser could read as markup: links, templates, tags, bold/italic, tables,
# signatures (~~~~), entities, magic words (__TOC__), list/heading syntax at line start, and any
# scheme in any case (MediaWiki links free https:, HTTPS:, ftp:, irc:, mailto:, news:…).
_MARKUP = re.compile(
    r"[\[\]{}<>|~&']|__|^[*#:;=\-!]|=$|[a-z][a-z0-9+.\-]*:|//|\b(?:ISBN|RFC|PMID)\b",
    re.IGNORECASE,
)

# Control characters show nothing and stop some parsers (a NUL ends mwparserfromhell's text).
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")


def escape(text: str) -> str:
    """Chat text as plain text on the wiki; wrapped in <nowiki> only when it needs it."""
    text = " ".join(_CONTROL.sub("", text).split())
    if not _MARKUP.search(text):
        return text
    # Inside <nowiki> entities still decode: & < > are written as entities, so the text can
    # neither close the tag nor turn into other characters.
    safe = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return "<nowiki>" + safe + "</nowiki>"


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
