"""EventStreamResponse: what its writer writes goes out chunk by chunk; the client leaving
cancels the writer; the server shutting down ends every stream."""

from __future__ import annotations

import asyncio

import pytest

from app.live.response import EventStreamResponse
from app.live.subscriber import Sink
from kit.db import make_engine, make_sessionmaker
from tests.api_client import api_client

SCOPE = {"type": "http", "method": "GET", "path": "/", "headers": []}


class Client:
    """The server's side of one connection: what was sent, and a client that may leave."""

    def __init__(self) -> None:
        self.sent: list[dict] = []
        self.left = asyncio.Event()

    async def receive(self) -> dict:
        await self.left.wait()
        return {"type": "http.disconnect"}

    async def send(self, message: dict) -> None:
        self.sent.append(message)

    @property
    def body(self) -> list[tuple[bytes, bool]]:
        return [(m["body"], m["more_body"]) for m in self.sent[1:]]


class TestEventStreamResponse:
    async def test_writes_go_out_as_chunks_then_the_response_ends(self):
        async def write(sink: Sink) -> None:
            await sink(b"retry: 1000\n\n")
            await sink(b"event: hello\n\n")

        client = Client()
        response = EventStreamResponse(write, headers={"Cache-Control": "no-cache"})
        await response(SCOPE, client.receive, client.send)
        start = client.sent[0]
        assert start["type"] == "http.response.start" and start["status"] == 200
        headers = dict(start["headers"])
        assert headers[b"content-type"].startswith(b"text/event-stream")
        assert headers[b"cache-control"] == b"no-cache"
        assert client.body == [
            (b"retry: 1000\n\n", True),
            (b"event: hello\n\n", True),
            (b"", False),
        ]

    async def test_the_client_leaving_cancels_the_writer(self):
        cancelled = asyncio.Event()
        client = Client()

        async def write(sink: Sink) -> None:
            await sink(b"event: hello\n\n")
            client.left.set()
            try:
                await asyncio.Event().wait()  # a stream with nothing more to say
            except asyncio.CancelledError:
                cancelled.set()
                raise

        async with asyncio.timeout(5):
            await EventStreamResponse(write)(SCOPE, client.receive, client.send)
        assert cancelled.is_set()
        assert client.body == [(b"event: hello\n\n", True), (b"", False)]

    async def test_the_writers_error_is_the_responses(self):
        async def write(sink: Sink) -> None:
            raise RuntimeError("broken")

        client = Client()
        with pytest.raises(RuntimeError, match="broken"):
            await EventStreamResponse(write)(SCOPE, client.receive, client.send)


class TestShutdown:
    async def test_closing_all_streams_ends_each_response(self, fresh_db):
        # A database of the test's own: the streams' feed reads while the requests run.
        engine = make_engine(fresh_db)
        maker = make_sessionmaker(engine)
        try:
            async with api_client(engine, maker) as client:
                event_id = (await client.post("/api/v1/events", json={"title": "t"})).json()["id"]
                streams = client.app.state.streams
                opened = [
                    asyncio.create_task(client.get(f"/api/v1/events/{event_id}/stream"))
                    for _ in range(3)
                ]
                async with asyncio.timeout(10):
                    await streams.wait_open(3)
                    streams.close_all()
                    answers = await asyncio.gather(*opened)
                assert all(r.status_code == 200 for r in answers)
                assert all(r.text.startswith("retry: ") for r in answers)
                assert len(streams) == 0 and len(client.app.state.feeds) == 0
        finally:
            await engine.dispose()
