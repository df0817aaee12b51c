"""The YouTube collector's state: one reader per video, shared by the events that list it."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime

from collectors.youtube import store
from collectors.youtube.parse import video_id
from models import SourceState


@dataclass
class Source:
    """One event's YouTube source: its state as shown and saved, and the event's options."""

    source_id: int
    event_id: int
    state: SourceState
    reason: str | None
    include_moderators: bool
    planned_end_at: datetime | None
    reader: Reader = field(repr=False)


@dataclass
class Reader:
    """One video's chat, read once for all the live events that list it (its members)."""

    video_id: str
    live_chat_id: str | None
    page_token: str | None
    members: dict[int, Source] = field(default_factory=dict)  # by source id
    live_since: datetime | None = None
    scheduled_start: datetime | None = None  # liveStreamingDetails.scheduledStartTime
    api_interval: float = 0.0
    interval: float | None = None
    last_poll_at: datetime | None = None
    offline_at: datetime | None = None
    failures: int = 0
    rate_factor: float = 1.0
    finished: bool = False  # ended, stopped for good or cancelled: no task, joins nobody
    task: asyncio.Task[None] | None = field(default=None, repr=False)

    def by_event(self) -> list[Source]:
        """The members in event order: every transaction locks their events in that order."""
        return sorted(self.members.values(), key=lambda s: (s.event_id, s.source_id))


def any_member(reader: Reader, state: SourceState) -> bool:
    return not reader.finished and any(m.state is state for m in reader.members.values())


def video_key(raw: str | None) -> str:
    """The video id a reader is known by (a link is reduced to its id; a bad one kept as is,
    for its reader to stop with the reason)."""
    try:
        return video_id(raw or "")
    except ValueError:
        return raw or ""


def resume_point(rows: list[store.SourceRow]) -> tuple[str | None, str | None]:
    """Where a new reader starts: the (live chat id, page token) saved by one of its sources.

    Sources read together save the same token. Theirs differ when one was added later (no
    token yet: the others' is taken) or was read apart for a while (its event was not live).
    A token behind the others only reads again pages they already stored, which ingest skips
    (one ask per event and message), while a token ahead would lose the pages in between; a
    token does not say how old it is, so the oldest is taken to be that of the source saved
    least recently, the one that stopped reading first.
    """
    saved = [r for r in rows if r.page_token is not None and r.live_chat_id is not None]
    if not saved:
        return next((r.live_chat_id for r in rows if r.live_chat_id is not None), None), None
    oldest = min(saved, key=lambda r: (r.updated_at, r.source_id))
    return oldest.live_chat_id, oldest.page_token
