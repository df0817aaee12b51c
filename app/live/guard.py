"""What ends a live stream besides its own end: its caller signed out, or the database gone.

A wrapper around the stream's messages, whatever produces them. While the stream is quiet it
still wakes every `tick_seconds` to look at the (injected) clock, and every `recheck_seconds`
of it asks whether the caller's session or token still holds (through the caches: seldom a
query). Signed out or revoked, the stream ends with a `signedout` event (the page goes to the
sign-in form). Database trouble ends it with a longer retry delay and a `reconnect` event: the
browser comes back by itself and resumes from the last id it saw.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from app.health.outage import is_outage
from app.live.service import sse
from kit.clock import Clock

SignedIn = Callable[[], Awaitable[bool]]


@dataclass
class GuardSettings:
    """How often a stream checks its caller; how long the page waits after database trouble."""

    # By the injected clock: a sign-out or revocation ends a stream within this plus the
    # caches' lifetime (10 s), well inside 30 s.
    recheck_seconds: float = 10.0
    # Real time: how often a quiet stream looks at the clock.
    tick_seconds: float = 0.25
    outage_retry_ms: int = 5000


async def guarded(
    messages: AsyncIterator[str],
    *,
    signed_in: SignedIn,
    signed_in_at: datetime,
    clock: Clock,
    settings: GuardSettings,
    on_outage: Callable[[BaseException], None],
) -> AsyncIterator[str]:
    """`messages` until they end, the caller is signed out, or the database is unavailable."""
    checked = signed_in_at
    recheck = timedelta(seconds=settings.recheck_seconds)
    upcoming: asyncio.Future[str] | None = None
    try:
        while True:
            if upcoming is None:
                upcoming = asyncio.ensure_future(anext(messages))
            done, _ = await asyncio.wait({upcoming}, timeout=settings.tick_seconds)
            if done:
                try:
                    message = upcoming.result()
                except StopAsyncIteration:
                    return
                upcoming = None
                yield message
            if clock() - checked >= recheck:
                checked = clock()
                if not await signed_in():
                    yield sse({"reason": "signed out"}, event="signedout")
                    return
    except Exception as exc:
        if not is_outage(exc):
            raise
        on_outage(exc)
        yield f"retry: {settings.outage_retry_ms}\n\n"
        yield sse({"reason": "database unavailable"}, event="reconnect")
    finally:
        if upcoming is not None and not upcoming.done():
            # The stream is inside its own await: cancelling it there runs its clean-up.
            upcoming.cancel()
        elif isinstance(messages, AsyncGenerator):
            await messages.aclose()
