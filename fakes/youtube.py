"""A fake YouTube Data API v3 on 127.0.0.1: videos.list and liveChatMessages.list.

It answers with the real JSON shapes and error bodies, checks the API key, counts quota
(reset at midnight Pacific), refuses polls faster than the pollingIntervalMillis it gave
(rateLimitExceeded), and pages with nextPageToken. Its clock is injectable and shared with a
test, so fake time works. Point googleapiclient at it with client_options api_endpoint.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

Clock = Callable[[], datetime]
_PACIFIC = ZoneInfo("America/Los_Angeles")
_PARTS = web.RequestKey("parts", set)
_ERROR_STATUS = {
    400: "INVALID_ARGUMENT",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    500: "INTERNAL",
    503: "UNAVAILABLE",
}


def _rfc3339(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f") + "Z"


def _etag(*parts: object) -> str:
    return (
        base64.urlsafe_b64encode(hashlib.sha1(repr(parts).encode()).digest()).decode().rstrip("=")
    )


def error_body(
    status: int, reason: str, message: str, domain: str = "youtube.liveChat"
) -> dict[str, Any]:
    """A Google API error response body."""
    return {
        "error": {
            "code": status,
            "message": message,
            "errors": [{"message": message, "domain": domain, "reason": reason}],
            "status": _ERROR_STATUS.get(status, "UNKNOWN"),
        }
    }


@dataclass
class Author:
    channel_id: str
    display_name: str
    owner: bool = False
    moderator: bool = False
    sponsor: bool = False
    verified: bool = False

    def details(self) -> dict[str, Any]:
        return {
            "channelId": self.channel_id,
            "channelUrl": f"http://www.youtube.com/channel/{self.channel_id}",
            "displayName": self.display_name,
            "profileImageUrl": f"https://yt3.ggpht.com/{self.channel_id}/photo.jpg",
            "isVerified": self.verified,
            "isChatOwner": self.owner,
            "isChatSponsor": self.sponsor,
            "isChatModerator": self.moderator,
        }


@dataclass
class FakeChat:
    live_chat_id: str
    owner: Author
    polling_interval_ms: int = 2000
    messages: list[dict[str, Any]] = field(default_factory=list)
    ended_at: datetime | None = None
    disabled: bool = False
    # The first call without a page token returns at most this many recent messages, oldest
    # first: the real API documents that a first request "returns some or all of the chat
    # history, depending on the length of that history" (liveChatMessages.list), so what was
    # said long before a reader arrived is not there.
    recent: int = 50
    last_poll_at: datetime | None = None
    last_interval_ms: int = 0


@dataclass
class FakeVideo:
    video_id: str
    chat: FakeChat
    started_at: datetime | None = None
    ended_at: datetime | None = None
    # liveStreamingDetails.scheduledStartTime; None: the stream names no planned start.
    scheduled_at: datetime | None = None


class FakeYoutube:
    """The fake server; its state is plain attributes a test inspects and changes."""

    def __init__(
        self,
        *,
        api_key: str = "fake-youtube-key",
        clock: Clock | None = None,
        daily_quota: int = 10_000,
        enforce_interval: bool = True,
    ) -> None:
        self.api_key = api_key
        self.clock: Clock = clock or (lambda: datetime.now(UTC))
        self.daily_quota = daily_quota
        self.enforce_interval = enforce_interval
        self.videos: dict[str, FakeVideo] = {}
        self.chats: dict[str, FakeChat] = {}
        self.units_by_day: dict[date, int] = {}
        # Every request: (time, path, query as a dict of lists, status answered).
        self.requests: list[tuple[datetime, str, dict[str, list[str]], int]] = []
        # (path suffix, status, reason) answered once each, before anything else is checked.
        self.fail_next: list[tuple[str, int, str]] = []
        self.rate_limited = 0
        self._ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self.url = ""

    # -- running ----------------------------------------------------------------------------
    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/youtube/v3/videos", self._videos)
        app.router.add_get("/youtube/v3/liveChat/messages", self._messages)
        return app

    async def start(self, port: int = 0) -> str:
        """Serve on 127.0.0.1 (a random port by default); returns the base URL."""
        self._runner = web.AppRunner(self.app(), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        server: Any = site._server
        self.url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # -- the test's side: streams and chat ------------------------------------------------------
    def add_video(
        self,
        video_id: str,
        *,
        live: bool = True,
        polling_interval_ms: int = 2000,
        owner_name: str = "The Host",
        scheduled_at: datetime | None = None,
    ) -> FakeChat:
        """A stream (scheduled to start at `scheduled_at`, if given); live=True starts it now."""
        chat = FakeChat(
            live_chat_id=f"Cg0KC{video_id}KicKGFVD{next(self._ids):04d}",
            owner=Author(f"UCowner{video_id}", owner_name, owner=True),
            polling_interval_ms=polling_interval_ms,
        )
        self.videos[video_id] = FakeVideo(video_id, chat, scheduled_at=scheduled_at)
        self.chats[chat.live_chat_id] = chat
        if live:
            self.go_live(video_id)
        return chat

    def go_live(self, video_id: str) -> None:
        self.videos[video_id].started_at = self.clock()

    def end_stream(self, video_id: str) -> None:
        """The stream ends: a chatEndedEvent, then liveChatEnded for later polls."""
        video = self.videos[video_id]
        now = self.clock()
        video.ended_at = video.chat.ended_at = now
        self._append(video.chat, "chatEndedEvent", video.chat.owner, display="Chat ended", extra={})

    def post(
        self,
        chat: FakeChat,
        text: str,
        *,
        author: Author | None = None,
        channel_id: str = "UCviewer",
        name: str = "Viewer",
    ) -> str:
        """A text message; returns its message id."""
        who = author or Author(channel_id, name)
        return self._append(
            chat,
            "textMessageEvent",
            who,
            display=text,
            extra={"textMessageDetails": {"messageText": text}},
        )

    def super_chat(
        self,
        chat: FakeChat,
        comment: str,
        *,
        channel_id: str = "UCpayer",
        name: str = "Payer",
        amount_micros: int = 5_000_000,
        currency: str = "USD",
    ) -> str:
        amount = f"${amount_micros / 1_000_000:.2f}"
        return self._append(
            chat,
            "superChatEvent",
            Author(channel_id, name),
            display=f'{amount} from {name}: "{comment}"',
            extra={
                "superChatDetails": {
                    "amountMicros": str(amount_micros),
                    "currency": currency,
                    "amountDisplayString": amount,
                    "userComment": comment,
                    "tier": 2,
                }
            },
        )

    def delete(self, chat: FakeChat, message_id: str) -> str:
        """A moderator deletes a message: a messageDeletedEvent."""
        return self._append(
            chat,
            "messageDeletedEvent",
            chat.owner,
            display="",
            extra={"messageDeletedDetails": {"deletedMessageId": message_id}},
            has_display=False,
        )

    def ban(
        self, chat: FakeChat, channel_id: str, name: str = "Viewer", *, seconds: int | None = None
    ) -> str:
        details: dict[str, Any] = {
            "bannedUserDetails": {
                "channelId": channel_id,
                "channelUrl": f"http://www.youtube.com/channel/{channel_id}",
                "displayName": name,
                "profileImageUrl": f"https://yt3.ggpht.com/{channel_id}/p.jpg",
            },
            "banType": "temporary" if seconds else "permanent",
        }
        if seconds:
            details["banDurationSeconds"] = str(seconds)
        return self._append(
            chat,
            "userBannedEvent",
            chat.owner,
            display=f"{name} has been banned",
            extra={"userBannedDetails": details},
        )

    def units_today(self) -> int:
        return self.units_by_day.get(self.clock().astimezone(_PACIFIC).date(), 0)

    def calls(self, suffix: str = "") -> list[tuple[datetime, str, dict[str, list[str]], int]]:
        return [r for r in self.requests if r[1].endswith(suffix)]

    def _append(
        self,
        chat: FakeChat,
        kind: str,
        author: Author,
        *,
        display: str,
        extra: dict[str, Any],
        has_display: bool = True,
    ) -> str:
        n = next(self._ids)
        message_id = f"LCC.{chat.live_chat_id[-6:]}.{n:08d}"
        snippet: dict[str, Any] = {
            "type": kind,
            "liveChatId": chat.live_chat_id,
            "authorChannelId": author.channel_id,
            "publishedAt": _rfc3339(self.clock()),
            "hasDisplayContent": has_display,
            "displayMessage": display,
            **extra,
        }
        chat.messages.append(
            {
                "kind": "youtube#liveChatMessage",
                "etag": _etag(message_id, display),
                "id": message_id,
                "snippet": snippet,
                "authorDetails": author.details(),
            }
        )
        return message_id

    # -- the API ------------------------------------------------------------------------------
    def _check(self, request: web.Request, cost: int) -> web.Response | None:
        query = {k: request.query.getall(k) for k in request.query}
        now = self.clock()
        for i, (suffix, status, reason) in enumerate(self.fail_next):
            if request.path.endswith(suffix):
                del self.fail_next[i]
                return self._error(now, request, query, status, reason, f"Injected {reason}.")
        key = request.query.get("key")
        if not key:
            return self._error(
                now,
                request,
                query,
                403,
                "forbidden",
                "The request is missing a valid API key.",
                domain="global",
            )
        if key != self.api_key:
            return self._error(
                now,
                request,
                query,
                400,
                "keyInvalid",
                "API key not valid. Please pass a valid API key.",
                domain="usageLimits",
            )
        day = now.astimezone(_PACIFIC).date()
        if self.units_by_day.get(day, 0) + cost > self.daily_quota:
            return self._error(
                now,
                request,
                query,
                403,
                "quotaExceeded",
                "The request cannot be completed because you have exceeded your "
                '<a href="/youtube/v3/getting-started#quota">quota</a>.',
                domain="youtube.quota",
            )
        self.units_by_day[day] = self.units_by_day.get(day, 0) + cost
        parts = {p for value in request.query.getall("part", []) for p in value.split(",") if p}
        if not parts:
            return self._error(
                now,
                request,
                query,
                400,
                "missingRequiredParameter",
                "No filter selected. Expected one of: part",
                domain="global",
            )
        request[_PARTS] = parts
        return None

    def _error(
        self,
        now: datetime,
        request: web.Request,
        query: dict[str, list[str]],
        status: int,
        reason: str,
        message: str,
        domain: str = "youtube.liveChat",
    ) -> web.Response:
        self.requests.append((now, request.path, query, status))
        return web.json_response(error_body(status, reason, message, domain), status=status)

    async def _videos(self, request: web.Request) -> web.Response:
        refused = self._check(request, cost=1)
        if refused is not None:
            return refused
        now = self.clock()
        self.requests.append(
            (now, request.path, {k: request.query.getall(k) for k in request.query}, 200)
        )
        ids = [i for value in request.query.getall("id", []) for i in value.split(",") if i]
        items = []
        for vid in ids:
            video = self.videos.get(vid)
            if video is None:
                continue
            item: dict[str, Any] = {"kind": "youtube#video", "etag": _etag(vid, now), "id": vid}
            if "liveStreamingDetails" in request[_PARTS]:
                details: dict[str, Any] = {}
                if video.scheduled_at is not None:
                    details["scheduledStartTime"] = _rfc3339(video.scheduled_at)
                if video.started_at is not None:
                    details["actualStartTime"] = _rfc3339(video.started_at)
                    if video.ended_at is None:
                        details["activeLiveChatId"] = video.chat.live_chat_id
                        details["concurrentViewers"] = "42"
                if video.ended_at is not None:
                    details["actualEndTime"] = _rfc3339(video.ended_at)
                item["liveStreamingDetails"] = details
            items.append(item)
        return web.json_response(
            {
                "kind": "youtube#videoListResponse",
                "etag": _etag("videos", ids, now),
                "items": items,
                "pageInfo": {"totalResults": len(items), "resultsPerPage": len(items)},
            }
        )

    async def _messages(self, request: web.Request) -> web.Response:
        refused = self._check(request, cost=5)
        if refused is not None:
            return refused
        now = self.clock()
        query = {k: request.query.getall(k) for k in request.query}
        chat = self.chats.get(request.query.get("liveChatId", ""))
        if chat is None:
            return self._error(
                now,
                request,
                query,
                404,
                "liveChatNotFound",
                "The live chat that you are trying to retrieve cannot be found.",
            )
        if chat.disabled:
            return self._error(
                now,
                request,
                query,
                403,
                "liveChatDisabled",
                "Live chat is not enabled for the specified broadcast.",
            )
        if (
            self.enforce_interval
            and chat.last_poll_at is not None
            and now - chat.last_poll_at < timedelta(milliseconds=chat.last_interval_ms)
        ):
            self.rate_limited += 1
            return self._error(
                now,
                request,
                query,
                403,
                "rateLimitExceeded",
                "The request was sent too soon after the previous one.",
            )
        token = request.query.get("pageToken")
        try:
            start = int(base64.urlsafe_b64decode(token.encode()).decode()) if token else None
        except ValueError:
            return self._error(
                now,
                request,
                query,
                400,
                "invalidPageToken",
                "The request specifies an invalid page token.",
                domain="global",
            )
        if chat.ended_at is not None and start is not None and start >= len(chat.messages):
            return self._error(
                now,
                request,
                query,
                403,
                "liveChatEnded",
                "The specified live chat is no longer live.",
            )
        max_results = int(request.query.get("maxResults", "500"))
        if start is None:
            start = max(len(chat.messages) - chat.recent, 0)
        page = chat.messages[start : start + max_results]
        next_index = start + len(page)
        chat.last_poll_at, chat.last_interval_ms = now, chat.polling_interval_ms
        self.requests.append((now, request.path, query, 200))
        parts = request[_PARTS]
        items = [{k: v for k, v in m.items() if k in ("kind", "etag") or k in parts} for m in page]
        body: dict[str, Any] = {
            "kind": "youtube#liveChatMessageListResponse",
            "etag": _etag(chat.live_chat_id, next_index),
            "pollingIntervalMillis": chat.polling_interval_ms,
            "pageInfo": {"totalResults": len(page), "resultsPerPage": len(page)},
            "nextPageToken": base64.urlsafe_b64encode(str(next_index).encode()).decode(),
            "items": items,
        }
        if chat.ended_at is not None:
            body["offlineAt"] = _rfc3339(chat.ended_at)
        return web.json_response(body)


async def serve_demo(port: int, video_id: str, every: float) -> None:
    """A live stream whose chat gets a sample message every `every` seconds, until stopped."""
    import asyncio
    import random

    fake = FakeYoutube()
    url = await fake.start(port)
    chat = fake.add_video(video_id)
    print(f"fake YouTube API at {url} (key {fake.api_key!r}), live video {video_id}", flush=True)
    samples = [
        "When does the vote close?",
        "Will the slides be shared after the talk?",
        "hello from Lagos!",
        "How do I join the volunteer programme?",
        "great stream",
        "when does the VOTE close??",
        "Is there a recording for people in other time zones?",
    ]
    rng = random.Random(1)
    n = 0
    while True:
        await asyncio.sleep(every)
        n += 1
        if n % 9 == 0:
            fake.super_chat(chat, "Can you say more about the budget next year?")
        else:
            fake.post(
                chat,
                rng.choice(samples),
                channel_id=f"UCdemo{rng.randrange(40)}",
                name=f"Viewer {n}",
            )


if __name__ == "__main__":
    import argparse
    import asyncio

    parser = argparse.ArgumentParser(description="Serve the fake YouTube Data API on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--video", default="dQw4w9WgXcQ")
    parser.add_argument("--every", type=float, default=2.0, help="seconds between messages")
    args = parser.parse_args()
    asyncio.run(serve_demo(args.port, args.video, args.every))
