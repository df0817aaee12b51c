"""Question detection: is this message a question, under the event's question mode?

- `auto`: a marker, a question mark (of any script) that is more than a reaction, or the form
  of a question without one (question_form: question words, inversion, requests, in eight
  languages); chatter about the stream, small talk and exclamations stay out.
- `marked`: what the mode's label says, "only marked (?, /ask)": a question mark or a marker.
- `all`: every message with text.
"""

from __future__ import annotations

from intake.text.normalize import has_marker
from intake.text.question_form import asks_by_form, has_question_mark
from models.event import QuestionMode

__all__ = ["has_question_mark", "is_question"]


def is_question(text: str, mode: QuestionMode, *, force: bool = False) -> bool:
    """Whether `text` is a question in `mode`; `force` is for explicit commands like /ask."""
    if force:
        return True
    if mode is QuestionMode.all:
        return bool(text.strip())
    if has_marker(text):
        return True
    if mode is QuestionMode.marked:
        return has_question_mark(text)
    return asks_by_form(text)
