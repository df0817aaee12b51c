"""Telegram updates that cannot be stored: what is kept of them when they are set aside."""

from __future__ import annotations

from collections.abc import Sequence

from collectors.telegram.parse import Agreement, Edit, NewAsk, Parsed
from intake.setaside import SetAside, describe_failure
from models import Platform


def set_aside_of(parsed: Parsed, error: Exception) -> SetAside:
    """The update's chat, ids and the reason it failed; its text and names only to blank them
    out of the reason."""
    intent = parsed.intent
    hide: list[str | None] = [parsed.chat.title if parsed.chat else None]
    message_id: int | None = None
    if isinstance(intent, Agreement):
        intent = intent.fallback
    if isinstance(intent, NewAsk):
        hide += [intent.ask.text, intent.ask.author_name]
        message_id = intent.message_id
    elif isinstance(intent, Edit):
        hide.append(intent.text)
        message_id = intent.message_id
    elif intent is not None:
        message_id = intent.message_id
    chat = parsed.chat.id if parsed.chat is not None else None
    ref = f"update {parsed.update_id}"
    if message_id is not None:
        ref += f", message {message_id}"
    return SetAside(
        platform=Platform.telegram,
        source_id=str(chat) if chat is not None else "unknown",
        message_ref=ref,
        reason=describe_failure(error, hide=hide),
    )


def set_asides(failed: Sequence[tuple[Parsed, Exception]]) -> list[SetAside]:
    return [set_aside_of(parsed, error) for parsed, error in failed]
