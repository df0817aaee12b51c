"""Pure parsing: a Telegram Update → what it means for the queue (an ask, an edit, a vote)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from telegram import Update

from intake.asks import IncomingAsk
from models import Platform

# Replies that only agree with the message they answer: an upvote, not a new ask.
_AGREEMENT = {
    "+",
    "+1",
    "++",
    "+100",
    "👍",
    "same",
    "same here",
    "same question",
    "same q",
    "this",
    "me too",
    "me too please",
    "i second this",
    "second",
    "seconded",
    "exactly",
    "good question",
    "great question",
    "i want to know too",
    "i'd like to know too",
    "also wondering",
    "moi aussi",
    "pareil",
    "même question",
    "meme question",
    "bonne question",
    "yo también",
    "yo tambien",
    "misma pregunta",
    "igual",
    "buena pregunta",
    "ich auch",
    "gleiche frage",
    "dito",
    "gute frage",
    "eu também",
    "eu tambem",
    "mesma pergunta",
    "boa pergunta",
    "anch'io",
    "anche io",
    "stessa domanda",
    "ik ook",
    "zelfde vraag",
    "ja też",
    "я тоже",
    "тоже",
    "такой же вопрос",
    "плюс",
    "+1 к вопросу",
    "і я",
    "я теж",
    "ben de",
    "私も",
    "我也是",
    "同问",
}
_THUMBS = re.compile(r"^(?:👍[\U0001F3FB-\U0001F3FF]?)+$")
_COMMAND = re.compile(r"^/(?P<name>[A-Za-z0-9_]+)(?:@(?P<bot>[A-Za-z0-9_]+))?(?:\s+|$)")


@dataclass(frozen=True, slots=True)
class ChatSeen:
    """A chat the bot saw, remembered so a host can find its id."""

    id: int
    title: str | None
    type: str
    is_forum: bool


@dataclass(frozen=True, slots=True)
class NewAsk:
    """A new message that may be a question."""

    ask: IncomingAsk
    chat_id: int
    message_id: int
    thread_id: int | None


@dataclass(frozen=True, slots=True)
class Agreement:
    """A "+1" reply: an upvote if the replied-to message became a question, else an ask."""

    fallback: NewAsk
    target_message_id: int
    voter_id: str


@dataclass(frozen=True, slots=True)
class Edit:
    chat_id: int
    message_id: int
    text: str


@dataclass(frozen=True, slots=True)
class Reaction:
    """One user's reactions on a message changed: a vote when any remain, none when emptied."""

    chat_id: int
    message_id: int
    voter_id: str
    voting: bool


@dataclass(frozen=True, slots=True)
class ReactionCount:
    """Anonymous reaction totals on a message (channels): one weighted vote."""

    chat_id: int
    message_id: int
    total: int


Intent = NewAsk | Agreement | Edit | Reaction | ReactionCount


@dataclass(frozen=True, slots=True)
class Parsed:
    update_id: int
    chat: ChatSeen | None
    intent: Intent | None


class MalformedUpdate(ValueError):
    """An update missing what the Bot API promises (chat, ids, date)."""


def parse_update(update: Update | dict[str, Any], *, bot_username: str | None = None) -> Parsed:
    """What one update means; `intent` is None for updates the queue ignores.

    Works on the update's JSON: building python-telegram-bot objects costs more than the rest of
    parsing together, and a live chat is mostly messages that turn out to be chatter.
    """
    data = update.to_dict() if isinstance(update, Update) else update
    if not isinstance(data, dict):
        raise MalformedUpdate("an update must be a JSON object")
    update_id = _int(data, "update_id")
    kind = next((k for k in _KINDS if k in data), None)
    if kind is None:
        return Parsed(update_id, None, None)
    body = data[kind]
    if not isinstance(body, dict):
        raise MalformedUpdate(f"{kind} must be an object")
    seen = _chat(body.get("chat"))
    if kind in ("message", "channel_post"):
        intent: Intent | None = _new_message(body, seen, bot_username)
    elif kind in ("edited_message", "edited_channel_post"):
        text = _text(body)
        intent = Edit(seen.id, _int(body, "message_id"), text) if isinstance(text, str) else None
    elif kind == "message_reaction":
        intent = _reaction(body, seen)
    elif kind == "message_reaction_count":
        intent = _reaction_count(body, seen)
    else:  # my_chat_member: the bot joined or left; only the chat is remembered
        intent = None
    return Parsed(update_id, seen, intent)


def message_texts(updates: list[dict[str, Any]]) -> list[str]:
    """The texts of the new messages among raw updates (what ingest will read of them: an
    `/ask` command's words without the command; no other command)."""
    texts = []
    for update in updates:
        body = update.get("message") or update.get("channel_post")
        if isinstance(body, dict):
            text = _text(body)
            if not isinstance(text, str) or not text:
                continue
            command = _COMMAND.match(text)
            if command is not None:
                if command["name"].lower() != "ask":
                    continue
                text = text[command.end() :]
            texts.append(text)
    return texts


def _text(body: dict[str, Any]) -> object:
    """A message's text, or a media message's caption (unchecked: the update is hostile)."""
    return body.get("text") or body.get("caption")


_KINDS = (
    "message",
    "channel_post",
    "edited_message",
    "edited_channel_post",
    "message_reaction",
    "message_reaction_count",
    "my_chat_member",
)


def _new_message(
    body: dict[str, Any], chat: ChatSeen, bot_username: str | None
) -> NewAsk | Agreement | None:
    message_id = _int(body, "message_id")
    asked_at = datetime.fromtimestamp(_int(body, "date"), UTC)
    text = _text(body)
    if not isinstance(text, str) or not text:
        return None  # stickers, joins, pins: nothing to queue
    force = False
    command = _COMMAND.match(text)
    if command is not None:
        addressed = command["bot"]
        if addressed and bot_username and addressed.lower() != bot_username.lower():
            return None  # another bot's command
        if command["name"].lower() != "ask":
            return None
        text, force = text[command.end() :], True
        if not text.strip():
            return None
    author_id, author_name = _author(body)
    thread_id = body.get("message_thread_id") if body.get("is_topic_message") else None
    new = NewAsk(
        ask=IncomingAsk(
            platform=Platform.telegram,
            source_id=str(chat.id),
            message_id=str(message_id),
            text=text,
            asked_at=asked_at,
            author_id=author_id,
            author_name=author_name,
            thread_id=thread_id,
            force_question=force,
        ),
        chat_id=chat.id,
        message_id=message_id,
        thread_id=thread_id,
    )
    target = body.get("reply_to_message")
    if not force and isinstance(target, dict) and author_id is not None and is_agreement(text):
        target_id = _int(target, "message_id")
        # In a forum, every message "replies" to the topic's first message: not agreement.
        if target_id != thread_id:
            return Agreement(new, target_id, author_id)
    return new


def _reaction(body: dict[str, Any], chat: ChatSeen) -> Reaction | None:
    user, actor = body.get("user"), body.get("actor_chat")
    if isinstance(user, dict):
        voter = str(_int(user, "id"))
    elif isinstance(actor, dict):
        voter = f"chat:{_int(actor, 'id')}"
    else:
        return None
    return Reaction(chat.id, _int(body, "message_id"), voter, voting=bool(body.get("new_reaction")))


def _reaction_count(body: dict[str, Any], chat: ChatSeen) -> ReactionCount:
    reactions = body.get("reactions") or []
    total = sum(int(r.get("total_count", 0)) for r in reactions if isinstance(r, dict))
    return ReactionCount(chat.id, _int(body, "message_id"), total)


def _chat(chat: Any) -> ChatSeen:
    if not isinstance(chat, dict):
        raise MalformedUpdate("missing chat")
    return ChatSeen(
        id=_int(chat, "id"),
        title=chat.get("title") or _name(chat) or None,
        type=str(chat.get("type", "unknown")),
        is_forum=bool(chat.get("is_forum")),
    )


def _author(body: dict[str, Any]) -> tuple[str | None, str | None]:
    sender = body.get("sender_chat")
    if isinstance(sender, dict):  # anonymous admins, channels posting in their group
        return str(_int(sender, "id")), sender.get("title") or _name(sender) or None
    user = body.get("from")
    if isinstance(user, dict):
        return str(_int(user, "id")), _name(user) or None
    return None, None


def _name(who: dict[str, Any]) -> str:
    full = " ".join(str(p) for p in (who.get("first_name"), who.get("last_name")) if p)
    return full or str(who.get("username") or "")


def _int(body: dict[str, Any], key: str) -> int:
    value = body.get(key)
    if type(value) is not int:
        raise MalformedUpdate(f"{key} must be an integer, got {value!r}")
    return value


def is_agreement(text: str) -> bool:
    """Whether a reply says nothing but "me too" (in a handful of languages)."""
    folded = unicodedata.normalize("NFC", text).strip().casefold()
    if _THUMBS.match(folded.replace(" ", "")):
        return True
    folded = re.sub(r"[\s!.?,;:)(]+$", "", folded).strip()
    folded = re.sub(r"\s+", " ", folded)
    return folded in _AGREEMENT or folded.rstrip("👍 ").strip() in _AGREEMENT - {""}
