"""Change signals: a committed change to an event wakes what watches it, in this process at once
and, on PostgreSQL, in every other process through NOTIFY.

Each event also has a version in this process, bumped by every change this process hears of:
caches of an event's queue compare it to know they are current. A signal carries ids only;
whoever is woken re-reads what changed.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import secrets
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from sqlalchemy import event as sa_event
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

_KEY = "liveq_changed_events"
_LISTENING = "liveq_changes_listening"
_waiters: dict[int, set[tuple[asyncio.AbstractEventLoop, asyncio.Event]]] = {}
_versions: dict[int, int] = {}
_ticks = itertools.count(1)
# Names this process in its own NOTIFY payloads, so it does not hear its own changes twice.
ORIGIN = f"{os.getpid()}.{secrets.token_hex(4)}"
_NOTIFY = text("SELECT pg_notify(:channel, :payload)")
_schemas: dict[int, str] = {}  # by engine


def channel_for(schema: str | None) -> str:
    """The NOTIFY channel of one database schema (test runs share a database, not a schema)."""
    return f"liveq_changes_{schema or 'public'}"[:63]


def notify_on_commit(session: AsyncSession, event_id: int) -> None:
    """Wake `event_id`'s watchers when `session`'s transaction commits (not if it rolls back)."""
    sync = session.sync_session
    if not sync.info.get(_LISTENING):
        # Once per session, for its whole (short) life.
        sync.info[_LISTENING] = True
        sa_event.listen(sync, "before_commit", _notify_others)
        sa_event.listen(sync, "after_commit", _fire)
        sa_event.listen(sync, "after_soft_rollback", _drop)
    sync.info.setdefault(_KEY, set()).add(event_id)


def _notify_others(sync: Session) -> None:
    """PostgreSQL delivers a NOTIFY when (and only if) its transaction commits."""
    ids = sync.info.get(_KEY)
    if not ids:
        return
    bind = sync.get_bind()
    if bind.dialect.name != "postgresql":
        return
    engine = bind.engine
    schema = _schemas.get(id(engine))
    if schema is None:
        schema = _schemas[id(engine)] = str(sync.execute(text("SELECT current_schema()")).scalar())
    payload = f"{ORIGIN} {','.join(str(i) for i in sorted(ids))}"
    sync.execute(_NOTIFY, {"channel": channel_for(schema), "payload": payload})


def _fire(sync: Session) -> None:
    fire(sync.info.pop(_KEY, set()))


def fire(event_ids: Iterable[int]) -> None:
    """A change to these events committed: bump their versions and wake their watchers."""
    for event_id in event_ids:
        _versions[event_id] = next(_ticks)
        for loop, waker in list(_waiters.get(event_id, ())):
            if loop.is_closed():
                continue
            loop.call_soon_threadsafe(waker.set)


def fire_all() -> None:
    """Something may have changed anywhere (a lost connection to the database's signals):
    every cache is stale, every watcher re-reads."""
    fire(set(_waiters) | set(_versions))
    global _generation
    _generation = next(_ticks)


_generation = 0


def version(event_id: int) -> tuple[int, int]:
    """The event's version as this process knows it: changes when any change is heard of."""
    return (_generation, _versions.get(event_id, 0))


def _drop(sync: Session, _previous: object) -> None:
    sync.info.pop(_KEY, None)


@contextmanager
def watching(event_id: int) -> Iterator[asyncio.Event]:
    """An asyncio.Event set whenever a change to `event_id` commits in this process (or, with
    a listener running, in another)."""
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
