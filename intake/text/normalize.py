"""Normalization for matching only: display always keeps the original text."""

from __future__ import annotations

import re
import unicodedata

# Markers that flag a message as a question (stripped before matching).
MARKER_RE = re.compile(r"^\s*(?:q\s*[:：]|/ask(?:@\w+)?\b|#question\b|#q\b)\s*", re.IGNORECASE)
_TRAILING_MARKER_RE = re.compile(r"\s+#q(?:uestion)?\s*$", re.IGNORECASE)
_URL_RE = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_MENTION_RE = re.compile(r"(?<!\w)@\w+")
# Zero-width characters, soft hyphens, and the variation selectors and keycap mark that
# ride along with emoji (they are combining marks, which are otherwise kept).
_ZERO_WIDTH = dict.fromkeys(
    [*map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad\u20e3"), *range(0xFE00, 0xFE10)], None
)
_SPACE_RE = re.compile(r"\s+")


def strip_marker(text: str) -> tuple[str, bool]:
    """The text without a leading question marker, and whether there was one."""
    match = MARKER_RE.match(text)
    if match is None:
        return text, False
    return text[match.end() :], True


def has_marker(text: str) -> bool:
    """Whether the text is flagged as a question: "Q: …", "/ask …", "#q …" or "… #q"."""
    return MARKER_RE.match(text) is not None or _TRAILING_MARKER_RE.search(text) is not None


def shown_text(text: str) -> str:
    """A question's text as the host reads it: without the marker that flagged it as one
    ("Q: …", "/ask …", "… #q"). The ask keeps what was typed."""
    stripped, _ = strip_marker(text)
    stripped = _TRAILING_MARKER_RE.sub("", stripped).strip()
    return stripped or text.strip()


def normalize(text: str) -> str:
    """NFKC, casefold, no markers, mentions, URLs, emoji, punctuation or zero-width marks."""
    text = unicodedata.normalize("NFKC", text).translate(_ZERO_WIDTH)
    text, _ = strip_marker(text)
    text = _URL_RE.sub(" ", text)
    text = _MENTION_RE.sub(" ", text)
    text = text.casefold()
    out = []
    for ch in text:
        cat = unicodedata.category(ch)
        # P*: punctuation; S*: symbols incl. emoji; C*: controls, format, surrogates, private use;
        # M* is kept (combining marks carry meaning in Hindi, Arabic…).
        if cat[0] in "PSC" or cat == "Zs":
            out.append(" ")
        else:
            out.append(ch)
    return _SPACE_RE.sub(" ", "".join(out)).strip()
