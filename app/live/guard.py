"""What ends a live stream besides its own end: its caller signed out, or the database gone.

A stream asks every `recheck_seconds` of the (injected) clock whether the caller's session or
token still holds (through the caches: seldom a query); signed out or revoked, it ends with a
`signedout` event and the page goes to the sign-in form. Database trouble reaches streams
through their feed (feed.py), which ends them with a longer retry delay and a `reconnect`
event: the browser comes back by itself and resumes from the last id it saw.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

SignedIn = Callable[[], Awaitable[bool]]


@dataclass
class GuardSettings:
    """How often a stream checks its caller; how long the page waits after database trouble."""

    # By the injected clock: a sign-out or revocation ends a stream within this plus the
    # caches' lifetime (10 s) plus one tick, well inside 30 s.
    recheck_seconds: float = 10.0
    # Real time: how often a quiet stream looks at the clock (each look costs a wake-up of
    # every open stream, so not too often).
    tick_seconds: float = 2.0
    outage_retry_ms: int = 5000
