"""The two YouTube Data API calls liveq makes, and what each error answer means.

googleapiclient is synchronous and its http object is not thread-safe: calls run on a thread
pool of the collector's own, with one client per thread.
"""

from __future__ import annotations

import asyncio
import enum
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import httplib2
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError

from collectors.youtube.parse import ApiError, api_error
from collectors.youtube.redact import redact
from collectors.youtube.settings import YoutubeSettings

MAX_RESULTS = 2000
_PARTS = "id,snippet,authorDetails"
# Failures worth retrying with a pause: the network, not YouTube's answer.
TRANSIENT = (OSError, httplib2.HttpLib2Error)


class CallFailed(Exception):
    """YouTube answered with an error."""

    def __init__(self, error: ApiError) -> None:
        super().__init__(f"{error.status} {error.reason}")
        self.error = error


class YoutubeApi:
    """videos.list and liveChatMessages.list, awaited off the event loop."""

    def __init__(self, settings: YoutubeSettings, key: str) -> None:
        self._settings = settings
        self._key = key
        self._local = threading.local()
        self._executor = ThreadPoolExecutor(
            settings.youtube_threads, thread_name_prefix="liveq-youtube"
        )

    def close(self) -> None:
        # A call in flight finishes in its thread; nobody waits for its answer.
        self._executor.shutdown(wait=False, cancel_futures=True)

    async def stream(self, video_id: str) -> dict[str, Any]:
        """videos.list(part=liveStreamingDetails) for one video (1 unit)."""
        return await self._run(
            lambda yt: yt.videos().list(part="liveStreamingDetails", id=video_id)
        )

    async def messages(self, live_chat_id: str, page_token: str | None) -> dict[str, Any]:
        """One page of liveChatMessages.list (5 units)."""
        token = {"pageToken": page_token} if page_token else {}
        return await self._run(
            lambda yt: yt.liveChatMessages().list(
                liveChatId=live_chat_id, part=_PARTS, maxResults=MAX_RESULTS, **token
            )
        )

    async def _run(self, request: Callable[[Any], Any]) -> dict[str, Any]:
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._executor, self._execute, request)
        except HttpError as exc:
            raise CallFailed(api_error(exc.resp.status, exc.content)) from None

    def _execute(self, request: Callable[[Any], Any]) -> dict[str, Any]:
        client = getattr(self._local, "client", None)
        if client is None:
            client = build(
                "youtube",
                "v3",
                developerKey=self._key,
                static_discovery=True,
                cache_discovery=False,
                client_options={"api_endpoint": self._settings.youtube_api_endpoint},
                http=httplib2.Http(timeout=self._settings.youtube_http_timeout_seconds),
            )
            self._local.client = client
        result: dict[str, Any] = request(client).execute(num_retries=0)
        return result


class Verdict(enum.Enum):
    ended = "ended"  # the chat is over: stop, state ended
    quota = "quota"  # no calls until the Pacific reset
    slow_down = "slow_down"  # polled too fast: wait longer
    restart_pages = "restart_pages"  # the page token was refused: read from the latest page
    retry = "retry"  # YouTube's trouble: back off and try again
    stop = "stop"  # this source cannot be read: stop with the reason


# Reasons after which a source stops for good (until the collector restarts).
_STOPS = {
    "liveChatNotFound": "the live chat was not found (stream deleted or made private?)",
    "liveChatDisabled": "live chat is disabled for this stream",
    "forbidden": "YouTube refused access to this live chat (forbidden)",
    "keyInvalid": "the YouTube API key is not valid (check LIVEQ_YOUTUBE_API_KEY)",
    "accessNotConfigured": "YouTube Data API v3 is not enabled for this API key's project",
    "ipRefererBlocked": "the API key's restrictions refuse this server",
}


@dataclass(frozen=True, slots=True)
class Judgement:
    verdict: Verdict
    reason: str = ""


def judge(error: ApiError) -> Judgement:
    """What an error answer means for the source that got it (pure)."""
    if error.reason == "liveChatEnded":
        return Judgement(Verdict.ended, "the live chat ended")
    if error.reason in ("quotaExceeded", "dailyLimitExceeded"):
        return Judgement(Verdict.quota)
    if error.reason in ("rateLimitExceeded", "userRateLimitExceeded"):
        return Judgement(Verdict.slow_down)
    if error.reason == "invalidPageToken":
        return Judgement(Verdict.restart_pages)
    if error.reason in _STOPS:
        return Judgement(Verdict.stop, _STOPS[error.reason])
    if error.status == 400 and "API key" in error.message:
        return Judgement(Verdict.stop, _STOPS["keyInvalid"])
    if error.status >= 500 or error.status == 429:
        return Judgement(Verdict.retry)
    what = error.reason or f"HTTP {error.status}"
    return Judgement(
        Verdict.stop, redact(f"YouTube refused the request: {what} ({error.message[:200]})")
    )
