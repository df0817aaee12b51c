"""In-process change signals: a committed change to an event wakes its live streams at once.

Streams also poll the database, so changes made by another process (a collector running on its
own) still arrive; the signal only removes the polling delay for changes made in this one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event as sa_event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

_KEY = "liveq_changed_events"
_LISTENING = "liveq_changes_listening"
_waiters: dict[int, set[tuple[asyncio.AbstractEventLoop, asyncio.Event]]] = {}


def notify_on_commit(session: AsyncSession, event_id: int) -> None:
    """Wake `event_id`'s watchers when `session`'s transaction commits (not if it rolls back)."""
    sync = session.sync_session
    if not sync.info.get(_LISTENING):
        # Once per session, for its whole (short) life.
        sync.info[_LISTENING] = True
        sa_event.listen(sync, "after_commit", _fire)
        sa_event.listen(sync, "after_soft_rollback", _drop)
    sync.info.setdefault(_KEY, set()).add(event_id)


def _fire(sync: Session) -> None:
    for event_id in sync.info.pop(_KEY, set()):
        for loop, waker in list(_waiters.get(event_id, ())):
            if loop.is_closed():
                continue
            loop.call_soon_threadsafe(waker.set)


def _drop(sync: Session, _previous: object) -> None:
    sync.info.pop(_KEY, None)


@contextmanager
def watching(event_id: int) -> Iterator[asyncio.Event]:
    """An asyncio.Event set whenever a change to `event_id` commits in this process."""
    waker = asyncio.Event()
    entry = (asyncio.get_running_loop(), waker)
    _waiters.setdefault(event_id, set()).add(entry)
    try:
        yield waker
    finally:
        waiters = _waiters.get(event_id)
        if waiters is not None:
            waiters.discard(entry)
            if not waiters:
                del _waiters[event_id]
