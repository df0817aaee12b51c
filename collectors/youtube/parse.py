"""Pure functions from YouTube Data API payloads to what liveq does with them."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

from intake.asks import IncomingAsk
from models.event import Platform

_VIDEO_ID = re.compile(r"[A-Za-z0-9_-]{11}")
_HOSTS = {
    "youtube.com",
    "www.youtube.com",
    "m.youtube.com",
    "music.youtube.com",
    "youtube-nocookie.com",
    "www.youtube-nocookie.com",
}
_SHORT_HOSTS = {"youtu.be", "www.youtu.be"}
_PATH_FORMS = {"live", "shorts", "embed", "v", "e"}


def video_id(value: str) -> str:
    """The 11-character video id in a bare id or any YouTube URL form; ValueError otherwise."""
    text = value.strip()
    if not text:
        raise ValueError("empty YouTube video id or URL")
    if _VIDEO_ID.fullmatch(text):
        return text
    url = text if "://" in text else "https://" + text
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        raise ValueError(f"not a YouTube URL: {value!r}") from exc
    host = (parts.hostname or "").lower()
    segments = [s for s in parts.path.split("/") if s]
    if host in _SHORT_HOSTS:
        candidate = segments[0] if segments else ""
    elif host in _HOSTS:
        if segments[:1] == ["watch"]:
            candidate = (parse_qs(parts.query).get("v") or [""])[0]
            if not candidate:
                raise ValueError(f"YouTube watch URL without a v= parameter: {value!r}")
        elif len(segments) >= 2 and segments[0] in _PATH_FORMS:
            candidate = segments[1]
        else:
            raise ValueError(f"YouTube URL that names no video: {value!r}")
    else:
        raise ValueError(f"not a YouTube video id or URL (host {host or 'missing'}): {value!r}")
    if not _VIDEO_ID.fullmatch(candidate):
        raise ValueError(f"malformed YouTube video id {candidate!r} in {value!r}")
    return candidate


def parse_time(value: str) -> datetime:
    """An RFC 3339 timestamp from the API as an aware UTC datetime."""
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


# What one live chat message asks liveq to do.
@dataclass(frozen=True, slots=True)
class NewAsk:
    ask: IncomingAsk


@dataclass(frozen=True, slots=True)
class Deletion:
    message_id: str


@dataclass(frozen=True, slots=True)
class Ban:
    author_id: str


@dataclass(frozen=True, slots=True)
class ChatEnded:
    pass


Intent = NewAsk | Deletion | Ban | ChatEnded


def message_intent(item: Mapping[str, Any], *, include_moderators: bool = False) -> Intent | None:
    """One liveChatMessage resource → what to do with it (None: nothing)."""
    snippet = item.get("snippet") or {}
    kind = snippet.get("type")
    if kind == "chatEndedEvent":
        return ChatEnded()
    if kind == "messageDeletedEvent":
        deleted = (snippet.get("messageDeletedDetails") or {}).get("deletedMessageId")
        return Deletion(deleted) if deleted else None
    if kind == "messageRetractedEvent":
        retracted = (snippet.get("messageRetractedDetails") or {}).get("retractedMessageId")
        return Deletion(retracted) if retracted else None
    if kind == "userBannedEvent":
        banned = (snippet.get("userBannedDetails") or {}).get("bannedUserDetails") or {}
        return Ban(banned["channelId"]) if banned.get("channelId") else None

    if kind == "textMessageEvent":
        text = (snippet.get("textMessageDetails") or {}).get("messageText") or snippet.get(
            "displayMessage"
        )
        paid = False
    elif kind == "superChatEvent":
        text, paid = (snippet.get("superChatDetails") or {}).get("userComment"), True
    elif kind == "superStickerEvent":
        # Stickers carry no comment today; take one if the API ever adds it.
        text, paid = (snippet.get("superStickerDetails") or {}).get("userComment"), True
    else:
        return None
    if not text or not item.get("id"):
        return None
    author = item.get("authorDetails") or {}
    if author.get("isChatOwner"):
        return None
    if author.get("isChatModerator") and not include_moderators:
        return None
    published = snippet.get("publishedAt")
    if not published:
        return None
    return NewAsk(
        IncomingAsk(
            platform=Platform.youtube,
            source_id=snippet.get("liveChatId") or "",
            message_id=item["id"],
            text=text,
            asked_at=parse_time(published),
            author_id=author.get("channelId") or snippet.get("authorChannelId"),
            author_name=author.get("displayName"),
            paid=paid,
        )
    )


@dataclass(frozen=True, slots=True)
class ChatPage:
    """One liveChatMessages.list response, parsed."""

    intents: list[Intent]
    next_page_token: str | None
    polling_interval: float  # seconds the API asks us to wait before the next call
    offline_at: datetime | None
    messages: int = 0  # items on the page, whatever they were
    ended: bool = field(default=False)


def chat_page(
    payload: Mapping[str, Any], *, live_chat_id: str, include_moderators: bool = False
) -> ChatPage:
    """A liveChatMessageListResponse → intents in page order, cut after a chat end."""
    intents: list[Intent] = []
    ended = False
    items = payload.get("items") or []
    for item in items:
        intent = message_intent(item, include_moderators=include_moderators)
        if intent is None:
            continue
        if isinstance(intent, NewAsk) and intent.ask.source_id != live_chat_id:
            # Messages are keyed by the chat we asked for, whatever the item says.
            intent = NewAsk(_with_source(intent.ask, live_chat_id))
        intents.append(intent)
        if isinstance(intent, ChatEnded):
            ended = True
            break
    offline = payload.get("offlineAt")
    return ChatPage(
        intents=intents,
        next_page_token=payload.get("nextPageToken"),
        polling_interval=max(float(payload.get("pollingIntervalMillis") or 0), 0.0) / 1000.0,
        offline_at=parse_time(offline) if offline else None,
        messages=len(items),
        ended=ended,
    )


def _with_source(ask: IncomingAsk, source_id: str) -> IncomingAsk:
    return IncomingAsk(
        platform=ask.platform,
        source_id=source_id,
        message_id=ask.message_id,
        text=ask.text,
        asked_at=ask.asked_at,
        author_id=ask.author_id,
        author_name=ask.author_name,
        paid=ask.paid,
    )


@dataclass(frozen=True, slots=True)
class StreamState:
    """A video's live streaming details: has the chat started, is it over?"""

    live_chat_id: str | None
    started_at: datetime | None
    ended_at: datetime | None
    found: bool = True
    live_stream: bool = True  # False: a plain upload, which never has a live chat
    scheduled_start: datetime | None = None

    @property
    def ended(self) -> bool:
        return self.live_chat_id is None and self.ended_at is not None


def stream_state(payload: Mapping[str, Any], *, video: str) -> StreamState:
    """A videoListResponse (part=liveStreamingDetails) → the video's stream state."""
    for item in payload.get("items") or []:
        if item.get("id") != video:
            continue
        details = item.get("liveStreamingDetails")
        if details is None:
            # A plain upload, not a live stream: there will never be a chat.
            return StreamState(None, None, None, live_stream=False)
        start, end = details.get("actualStartTime"), details.get("actualEndTime")
        return StreamState(
            live_chat_id=details.get("activeLiveChatId"),
            started_at=parse_time(start) if start else None,
            ended_at=parse_time(end) if end else None,
            scheduled_start=_time_or_none(details.get("scheduledStartTime")),
        )
    return StreamState(None, None, None, found=False)


def _time_or_none(value: object) -> datetime | None:
    """A timestamp that only tunes pacing: an unreadable one is as good as none."""
    if not isinstance(value, str):
        return None
    try:
        return parse_time(value)
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class ApiError:
    """The part of an error response that decides what to do next."""

    status: int
    reason: str
    message: str


def api_error(status: int, content: bytes | str) -> ApiError:
    """The first error reason in a Google API error body (reason "" when unreadable)."""
    try:
        body = json.loads(content)
        error = body["error"]
    except (ValueError, KeyError, TypeError):
        return ApiError(status, "", "")
    if not isinstance(error, dict):
        return ApiError(status, "", str(error)[:200])
    message = str(error.get("message") or "")
    reason = ""
    errors = error.get("errors") or []
    if errors and isinstance(errors[0], dict):
        reason = str(errors[0].get("reason") or "")
    for detail in error.get("details") or []:
        # Newer responses name an invalid key only in ErrorInfo.
        if isinstance(detail, dict) and detail.get("reason") == "API_KEY_INVALID":
            reason = "keyInvalid"
    return ApiError(status, reason, message)
