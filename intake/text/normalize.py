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


class _Blanks(dict[int, str]):
    """What each character becomes for matching: a space for punctuation (P*), symbols and
    emoji (S*), controls, format marks, surrogates and private use (C*) and odd spaces (Zs);
    itself otherwise (M* stays: combining marks carry meaning in Hindi, Arabic…). Filled as
    characters are first seen, so `str.translate` does the per-character work in C."""

    def __missing__(self, code: int) -> str:
        cat = unicodedata.category(chr(code))
        self[code] = out = " " if cat[0] in "PSC" or cat == "Zs" else chr(code)
        return out


# Bounded by the characters Unicode has (a few MB at most, in practice a few thousand entries).
_BLANKS = _Blanks()


def strip_marker(text: str) -> tuple[str, bool]:
    """The text without a leading question marker, and whether there was one."""
    match = MARKER_RE.match(text)
    if match is None:
        return text, False
    return text[match.end() :], True


def has_marker(text: str) -> bool:
    """A question marker at the start ("Q:", "/ask", "#q", "#question") or a trailing "#q"."""
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
    text = _TRAILING_MARKER_RE.sub("", text)
    text = _URL_RE.sub(" ", text)
    text = _MENTION_RE.sub(" ", text)
    text = text.casefold().translate(_BLANKS)
    return _SPACE_RE.sub(" ", text).strip()
