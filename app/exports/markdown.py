"""Markdown: a bullet list for notes pages and issue trackers."""

from __future__ import annotations

import re
from collections.abc import Sequence

from app.exports.rows import ExportRow

# Markdown syntax, plus `&` (entities) and `:` (every autolink scheme: https:, HTTPS:, mailto:,
# xmpp:… — a renderer links a scheme only when it sees an unescaped colon).
_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+\-!|~&:])")
# A dot after "www" or inside a word ("example.org"): escaped, so no renderer finds a domain.
_DOMAIN_DOT = re.compile(r"(?<=[wW]{3})\.|\.(?=\w)")
# A word joiner after `@`: GitHub's renderer links user@host.org even with the `@` escaped.
WORD_JOINER = "\u2060"

# Control characters show nothing (a renderer turns NUL into U+FFFD): left out.
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")


def escape(text: str) -> str:
    """Chat text shown as written: no links, emphasis or HTML sneaks in."""
    text = _SPECIAL.sub(r"\\\1", " ".join(_CONTROL.sub("", text).split()))
    return _DOMAIN_DOT.sub(r"\\.", text).replace("@", "@" + WORD_JOINER)


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
