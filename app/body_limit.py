"""Request body limits per route, enforced before anything reads the body (or the token).

A declared Content-Length over the route's limit is refused at once; a body without one
(chunked) is read only up to the limit, then refused. Either way the answer is a 413 JSON
naming the limit, and at most limit + one chunk is ever held in memory.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

KIB = 1024
# A JSON body of the API: a question's text and note (4,096 characters each, up to 12 bytes
# apiece as escaped surrogate pairs) fit with room to spare.
API_JSON_LIMIT = 128 * KIB
# Sign-in and sign-out forms carry a token, a CSRF field and a path.
FORM_LIMIT = 16 * KIB
# A Telegram update is a few kilobytes; the Bot API never sends one near this.
WEBHOOK_LIMIT = 1024 * KIB
# Multipart framing around an import file (boundaries, part headers).
MULTIPART_OVERHEAD = 64 * KIB

_IMPORT = re.compile(r"^/api/v1/events/[^/]+/import$")


def route_limit(method: str, path: str, *, max_import_bytes: int) -> int:
    """The largest body (bytes) the route at `path` accepts."""
    if method == "POST" and _IMPORT.match(path):
        return max_import_bytes + MULTIPART_OVERHEAD
    if path == "/telegram/webhook":
        return WEBHOOK_LIMIT
    if path in ("/signin", "/signout"):
        return FORM_LIMIT
    return API_JSON_LIMIT


def _too_large(limit: int) -> tuple[Message, Message]:
    body = json.dumps(
        {
            "detail": f"request body too large: this route accepts at most {limit:,} bytes",
            "limit": limit,
        }
    ).encode()
    start: Message = {
        "type": "http.response.start",
        "status": 413,
        "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"connection", b"close"),
        ],
    }
    return start, {"type": "http.response.body", "body": body}


class BodyLimitMiddleware:
    """Pure ASGI: a streamed response (the live stream) is passed through untouched."""

    def __init__(self, app: ASGIApp, *, limit_for: Callable[[str, str], int]) -> None:
        self.app = app
        self.limit_for = limit_for

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["method"], scope["path"])
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _refuse(send, limit)
            return
        if declared is not None:
            # The server delivers no more than the Content-Length it checked.
            await self.app(scope, receive, send)
            return
        # No declared length: read up to the limit before the application sees any of it.
        held: list[Message] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                held.append(message)
                break
            size += len(message.get("body", b""))
            if size > limit:
                await _refuse(send, limit)
                return
            held.append(message)
            if not message.get("more_body", False):
                break

        async def replay() -> Message:
            if held:
                return held.pop(0)
            return await receive()

        await self.app(scope, replay, send)


async def _refuse(send: Send, limit: int) -> None:
    start, body = _too_large(limit)
    await send(start)
    await send(body)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
