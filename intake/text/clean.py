"""Text made safe to store and show: what PostgreSQL or a page cannot hold is taken out.

Every source's text passes here on its way in (ingest, edits, chat titles), so a message with a
NUL byte or a lone surrogate is stored cleaned instead of failing its whole batch.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re

from intake.asks import IncomingAsk

# Dropped: C0 controls but tab, line feed and carriage return (PostgreSQL refuses U+0000 in
# text; the others are invisible and break CSV and terminals), DEL and the C1 controls, the
# bidi embeddings, overrides and isolates (an unclosed one reorders whatever follows it on the
# page or in an export; ordinary right-to-left text needs none of them), and the two
# noncharacters U+FFFE and U+FFFF.
_DROP = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufffe\uffff]")
# A surrogate in a Python string is always a lone one (a valid pair decodes to one code point):
# no UTF-8 encoder accepts it, so it becomes the replacement character.
_SURROGATE = re.compile("[\ud800-\udfff]")
_ANY = re.compile(f"{_DROP.pattern}|{_SURROGATE.pattern}")

# The widths of the asks table's string columns (models/question.py).
_NAME = 200
_LABEL = 40
_IDENTIFIER = 200


def clean_text(value: str) -> str:
    """`value` without the characters no store or page can hold (see above)."""
    if _ANY.search(value) is None:
        return value
    return _DROP.sub("", _SURROGATE.sub("\ufffd", value))


def clean_label(value: str | None, limit: int) -> str | None:
    """A name or label: cleaned, trimmed and cut to `limit` characters; None when nothing is
    left."""
    if value is None:
        return None
    cleaned = clean_text(value).strip()[:limit].strip()
    return cleaned or None


def clean_identifier(value: str, limit: int = _IDENTIFIER) -> str:
    """An identifier (message or source id): cleaned, and when too long, cut with a digest of
    the whole appended, so two long ids stay two."""
    cleaned = clean_text(value)
    if len(cleaned) <= limit:
        return cleaned
    digest = hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:40]
    return f"{cleaned[: limit - 41]}~{digest}"


def clean_ask(ask: IncomingAsk) -> IncomingAsk:
    """The ask with every text field cleaned; the same object when nothing needed it."""
    changes: dict[str, object] = {}
    text = clean_text(ask.text)
    if text is not ask.text:
        changes["text"] = text
    name = clean_label(ask.author_name, _NAME)
    if name != ask.author_name:
        changes["author_name"] = name
    label = clean_label(ask.source_label, _LABEL)
    if label != ask.source_label:
        changes["source_label"] = label
    for key in ("source_id", "message_id"):
        value: str = getattr(ask, key)
        fixed = clean_identifier(value)
        if fixed is not value:
            changes[key] = fixed
    if ask.author_id is not None:
        # Only ever hashed, but hashed from UTF-8: a lone surrogate must not crash that.
        author = clean_text(ask.author_id)
        if author is not ask.author_id:
            changes["author_id"] = author
    return dataclasses.replace(ask, **changes) if changes else ask  # type: ignore[arg-type]
