"""How live streams and their feeds behave; tests shorten these."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass


@dataclass
class LiveSettings:
    """How feeds poll and how long one stream lives (the browser reconnects and resumes)."""

    # The feed's poll when no other process can signal a change (SQLite, or PostgreSQL while
    # the listener is down); with the listener up, a slow safety net only.
    poll_seconds: float = 0.25
    listen_poll_seconds: float = 5.0
    heartbeat_seconds: float = 15.0
    max_seconds: float = 300.0
    retry_ms: int = 1000
    batch: int = 500
    # A client that missed more than this is told to refetch instead of replaying.
    catch_up_limit: int = 2000
    # Changes kept in memory per event, to replay to a stream that resumes.
    replay_limit: int = 500
    # Messages waiting for one slow stream before it is told to refetch.
    max_pending: int = 5000
    # Streams woken per turn of the event loop when a change fans out.
    fan_out_slice: int = 50
    # PostgreSQL may commit ids out of order: re-look this far back for late commits.
    # SQLite serialises writers, so ids commit in order there.
    overlap_seconds: float | None = None


# What ends a live stream besides its own end. A stream asks every `recheck_seconds` of the
# (injected) clock whether the caller's session or token still holds (through the caches:
# seldom a query); signed out or revoked, it ends with a `signedout` event. Database trouble
# reaches streams through their feed, which ends them with a `reconnect` event after
# `outage_retry_ms`.
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
