"""Question detection: is this message a question, under the event's question mode?"""

from __future__ import annotations

from intake.text.normalize import has_marker
from models.event import QuestionMode

_GREEK_QUESTION = "\u037e"  # GREEK QUESTION MARK, which NFKC turns into ';'


def has_question_mark(text: str) -> bool:
    return any(ch in "?？؟⸮" or ch == _GREEK_QUESTION for ch in text)


def is_question(text: str, mode: QuestionMode, *, force: bool = False) -> bool:
    """Whether `text` is a question in `mode`; `force` is for explicit commands like /ask."""
    if force:
        return True
    if mode is QuestionMode.all:
        return bool(text.strip())
    marked = has_marker(text)
    if mode is QuestionMode.marked:
        return marked
    return marked or has_question_mark(text)
