"""A Server-Sent Events response written to, not pulled from.

Starlette's StreamingResponse pulls each chunk from an iterator in the response's task: one
wake-up of that task per chunk per stream. Here the body's writer gets a sink and writes when
it likes (a feed writes each change to every stream in its own step); the response only
starts, watches for the client leaving, and ends.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Mapping
from typing import Any

from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from app.live.subscriber import Sink

# Writes the whole body through the sink it is given; returns when the stream ends.
Body = Callable[[Sink], Coroutine[Any, Any, None]]


class EventStreamResponse(Response):
    """`text/event-stream`, chunk by chunk as `write` writes them; when the client leaves,
    `write` is cancelled (as StreamingResponse cancels its iterator)."""

    def __init__(
        self, write: Body, *, status_code: int = 200, headers: Mapping[str, str] | None = None
    ) -> None:
        self.write = write
        self.status_code = status_code
        self.background = None
        # On the instance: FastAPI documents the route's error answers in the class's type.
        self.media_type = "text/event-stream"
        self.init_headers(headers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send(
            {"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers}
        )

        async def sink(chunk: bytes) -> None:
            await send({"type": "http.response.body", "body": chunk, "more_body": True})

        writing = asyncio.create_task(self.write(sink))
        listening = asyncio.create_task(_until_disconnected(receive))
        try:
            await asyncio.wait([writing, listening], return_when=asyncio.FIRST_COMPLETED)
        finally:
            # The client left, or the stream ended, or the server is cancelling us.
            writing.cancel()
            listening.cancel()
            [ended, _] = await asyncio.gather(writing, listening, return_exceptions=True)
        if isinstance(ended, Exception):
            raise ended
        await send({"type": "http.response.body", "body": b"", "more_body": False})


async def _until_disconnected(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass
