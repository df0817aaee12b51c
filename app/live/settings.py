"""How live streams and their feeds behave; tests shorten these."""

from __future__ import annotations

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
    # PostgreSQL may commit ids out of order: re-look this far back for late commits.
    # SQLite serialises writers, so ids commit in order there.
    overlap_seconds: float | None = None
