"""One open stream as its feed sees it: where it resumes, what waits to be written, and where
to write it.

A change reaches a stream's connection in the feed's own step: the feed writes it through
the stream's sink (kit/eager.py), without waking the stream's task. That task only greets,
beats the heart, checks the caller and ends. A write the socket makes wait (a slow client)
goes on in a task of its own, and what arrives meanwhile waits in `pending`, up to a bound.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from app.live.render import Rendered, sse
from kit import eager

# Writes one chunk to the stream's connection.
Sink = Callable[[bytes], Coroutine[Any, Any, None]]


@dataclass(eq=False)
class Subscriber:
    """One open stream: where it resumes, and what is waiting to be sent to it."""

    names: bool
    after: int | None
    max_pending: int
    # Without a sink (tests of the queue alone), messages wait here until taken.
    sink: Sink | None = None
    pending: deque[str] = field(default_factory=deque)
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    # Entry ids sent while catching up: a late PostgreSQL commit may be published again.
    seen: set[int] = field(default_factory=set)
    joined: bool = False
    closed: bool = False
    last_sent: float = field(default_factory=time.monotonic)  # for heartbeats
    writing: asyncio.Task[None] | None = None  # a write the socket made wait

    def send(self, messages: list[str], *, wake: bool = True) -> None:
        """Messages of the stream's own (a greeting, a goodbye, a heartbeat)."""
        self.pending.extend(messages)
        self.last_sent = time.monotonic()
        self.flush()
        if wake:
            self.wake.set()

    def push(self, batch: Rendered, position: int) -> None:
        """A change for every stream: written now, unless a write is still under way."""
        if self.closed:
            return
        self.last_sent = time.monotonic()
        sink = self.sink
        if sink is not None and self.writing is None and not self.pending and not self.seen:
            # The common case: the batch's bytes, encoded once for every such stream.
            self._write(sink, batch.chunk(self.names))
            return
        changes = batch.changes[self.names]
        if self.seen:
            changes = [(i, m) for i, m in changes if i not in self.seen]
        if len(self.pending) + len(changes) > self.max_pending:
            # Too far behind: drop the backlog, tell the page to refetch from `position`.
            self.pending.clear()
            self.pending.append(sse({"last": position}, event="reset", entry_id=position))
        else:
            self.pending.extend(m for _, m in changes)
            self.pending.append(batch.counts)
        self.flush()

    def take(self) -> str:
        """Everything waiting, as one chunk of the stream."""
        chunk = "".join(self.pending)
        self.pending.clear()
        return chunk

    def flush(self) -> None:
        """Write everything waiting in one chunk, unless a write is under way (it writes the
        rest when it ends)."""
        if self.sink is None or self.writing is not None or not self.pending:
            return
        self._write(self.sink, self.take().encode())

    def _write(self, sink: Sink, chunk: bytes) -> None:
        try:
            self.writing = eager.start(sink(chunk))
        except Exception:
            self.close()  # the connection is gone (an ASGI 2.4 server says so with OSError)
            return
        if self.writing is not None:
            self.writing.add_done_callback(self._written)

    def _written(self, task: asyncio.Task[None]) -> None:
        if self.writing is not task:
            return  # already seen to by finish()
        self.writing = None
        if task.cancelled() or task.exception() is not None:
            self.close()
        else:
            self.flush()

    def close(self) -> None:
        self.closed = True
        self.wake.set()

    async def finish(self) -> None:
        """After the stream's end: write what still waits (its last word), then nothing more."""
        self.closed = True
        while (task := self.writing) is not None:
            await asyncio.wait([task])
            self._written(task)
        sink, self.sink = self.sink, None
        if sink is not None and self.pending:
            try:
                await sink(self.take().encode())
            except Exception:
                self.pending.clear()  # gone: no one to tell
