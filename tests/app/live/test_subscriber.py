"""A stream's queue with a sink: its feed writes each change at once, without waking the
stream's task; a write the socket makes wait holds the rest back, bounded, for one write."""

from __future__ import annotations

import asyncio

from app.live.render import Rendered
from app.live.subscriber import Subscriber


def change(i: int) -> Rendered:
    return Rendered({False: [(i, f"id: {i}\n\n")], True: []}, f"c{i}\n\n")


class Socket:
    """A connection's writes; while `stuck`, a write waits for the client to read."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []
        self.readable = asyncio.Event()
        self.readable.set()

    async def write(self, chunk: bytes) -> None:
        self.chunks.append(chunk)
        await self.readable.wait()


class TestWrites:
    async def test_a_change_is_written_at_once_without_waking_the_stream(self):
        socket = Socket()
        sub = Subscriber(names=False, after=None, max_pending=10, sink=socket.write)
        sub.push(change(1), 1)
        assert socket.chunks == [b"id: 1\n\nc1\n\n"]
        assert not sub.pending and sub.writing is None and not sub.wake.is_set()

    async def test_streams_with_nothing_waiting_share_one_encoding_of_the_batch(self):
        sockets = [Socket() for _ in range(3)]
        subs = [Subscriber(names=False, after=None, max_pending=10, sink=s.write) for s in sockets]
        batch = change(1)
        for sub in subs:
            sub.push(batch, 1)
        [first, *others] = [s.chunks[0] for s in sockets]
        assert first == b"id: 1\n\nc1\n\n" and all(c is first for c in others)

    async def test_what_arrives_during_a_waiting_write_follows_in_one_write(self):
        socket = Socket()
        socket.readable.clear()
        sub = Subscriber(names=False, after=None, max_pending=10, sink=socket.write)
        sub.push(change(1), 1)
        writing = sub.writing
        assert writing is not None
        sub.push(change(2), 2)
        sub.push(change(3), 3)
        assert socket.chunks == [b"id: 1\n\nc1\n\n"] and len(sub.pending) == 4
        socket.readable.set()
        await writing
        await asyncio.sleep(0)  # the write's done callback
        assert socket.chunks[1:] == [b"id: 2\n\nc2\n\nid: 3\n\nc3\n\n"]
        assert sub.writing is None and not sub.pending

    async def test_a_client_that_reads_nothing_is_told_to_refetch_not_buffered(self):
        socket = Socket()
        socket.readable.clear()
        sub = Subscriber(names=False, after=None, max_pending=3, sink=socket.write)
        for i in range(1, 5):
            sub.push(change(i), i)
        # Waiting: 2 and 3 with their counts; 4 would pass the bound: the backlog is dropped
        # for a reset at 4, the client's cue to refetch.
        assert list(sub.pending) == ['id: 4\nevent: reset\ndata: {"last":4}\n\n']
        assert socket.chunks == [b"id: 1\n\nc1\n\n"]

    async def test_a_write_that_fails_closes_the_stream(self):
        async def gone(chunk: bytes) -> None:
            raise OSError("connection reset")

        sub = Subscriber(names=False, after=None, max_pending=10, sink=gone)
        sub.push(change(1), 1)
        assert sub.closed and sub.wake.is_set()
        sub.push(change(2), 2)  # nothing more is queued for a closed stream
        assert not sub.pending

    async def test_finish_waits_for_the_write_under_way_then_writes_the_last_word(self):
        socket = Socket()
        socket.readable.clear()
        sub = Subscriber(names=False, after=None, max_pending=10, sink=socket.write)
        sub.push(change(1), 1)
        sub.send(["event: reconnect\n\n"], wake=False)
        finishing = asyncio.create_task(sub.finish())
        await asyncio.sleep(0)
        assert not finishing.done()
        socket.readable.set()
        await finishing
        assert socket.chunks == [b"id: 1\n\nc1\n\n", b"event: reconnect\n\n"]
        sub.send(["late\n\n"])  # after the end: never written
        assert len(socket.chunks) == 2
