"""Source wake-ups: creating an event, changing its sources or options, or ending it wakes the
collectors at once, instead of their waiting for the next rescan.

In this process the wake-up is an in-process signal fired after the commit (never on a
rollback). Across processes, on PostgreSQL, the same transaction sends a NOTIFY carrying only
the event id (delivered by PostgreSQL at commit); a collector in another process listens on a
dedicated connection (`SourceListener`), re-reads what changed, and after a lost connection
resynchronises everything, since notifications sent meanwhile are gone. Rescans stay, slowly,
as a safety net.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

log = logging.getLogger("kit.wakeups")

_KEY = "liveq_sources_changed"
_LISTENING = "liveq_sources_listening"
# Names this process in its notifications: its own come back to it, and are skipped (the
# in-process signal already woke its collectors).
PROCESS = secrets.token_hex(6)
# One channel per schema (several liveq databases may share a PostgreSQL database); a hash
# keeps the name within PostgreSQL's 63 characters whatever the schema is called.
_CHANNEL_SQL = "'liveq_src_' || md5(current_schema())"
_NOTIFY = text(f"SELECT pg_notify({_CHANNEL_SQL}, :payload)")
_CHANNEL = text(f"SELECT {_CHANNEL_SQL}")


class Wakeups:
    """What a collector waits on: the ids of the events whose sources changed, or everything
    (after the listener lost its connection)."""

    def __init__(self) -> None:
        self._events: set[int] = set()
        self._everything = False
        self._ready = asyncio.Event()

    def add(self, event_ids: set[int]) -> None:
        self._events |= event_ids
        self._ready.set()

    def resync(self) -> None:
        self._everything = True
        self._ready.set()

    async def next(self) -> set[int] | None:
        """The events changed since the last call (waits for one); None: re-read everything."""
        await self._ready.wait()
        self._ready.clear()
        events, everything = self._events, self._everything
        self._events, self._everything = set(), False
        return None if everything else events


_subscribers: set[tuple[asyncio.AbstractEventLoop, Wakeups]] = set()


@contextmanager
def subscribed() -> Iterator[Wakeups]:
    """Wake-ups for the changes committed in this process while the block runs."""
    wakeups = Wakeups()
    entry = (asyncio.get_running_loop(), wakeups)
    _subscribers.add(entry)
    try:
        yield wakeups
    finally:
        _subscribers.discard(entry)


def _deliver(event_ids: set[int]) -> None:
    for loop, wakeups in list(_subscribers):
        if not loop.is_closed():
            loop.call_soon_threadsafe(wakeups.add, set(event_ids))


async def announce_sources(session: AsyncSession, *, event_id: int) -> None:
    """Wake the collectors once `session`'s transaction commits: `event_id`'s sources, options
    or status changed (or it was created)."""
    sync = session.sync_session
    if not sync.info.get(_LISTENING):
        sync.info[_LISTENING] = True
        sa_event.listen(sync, "after_commit", _fire)
        sa_event.listen(sync, "after_soft_rollback", _drop)
    sync.info.setdefault(_KEY, set()).add(event_id)
    connection = await session.connection()
    if connection.dialect.name == "postgresql":
        # Transactional: PostgreSQL delivers it at commit, and drops it on a rollback.
        await connection.execute(_NOTIFY, {"payload": f"{event_id} {PROCESS}"})


def _fire(sync: Session) -> None:
    changed = sync.info.pop(_KEY, set())
    if changed:
        _deliver(changed)


def _drop(sync: Session, _previous: object) -> None:
    sync.info.pop(_KEY, None)


def parse_payload(payload: str) -> tuple[int | None, str]:
    """A notification's (event id, sending process); id None when it cannot be read."""
    head, _, sender = payload.partition(" ")
    try:
        return int(head), sender
    except ValueError:
        return None, sender


class SourceListener:
    """LISTEN on a dedicated PostgreSQL connection; feeds `wakeups` with other processes'
    changes, and asks for a full resynchronisation after every reconnect."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        wakeups: Wakeups,
        *,
        health_every: float = 15.0,
        retry_cap: float = 10.0,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._wakeups = wakeups
        self._health_every = health_every
        self._retry_cap = retry_cap
        self._task: asyncio.Task[None] | None = None
        self._listening = asyncio.Event()
        self.connections = 0  # how many times it (re)connected
        self.backend_pid: int | None = None

    @staticmethod
    def supported(sessionmaker: async_sessionmaker[AsyncSession]) -> bool:
        engine = sessionmaker.kw.get("bind")
        return isinstance(engine, AsyncEngine) and engine.dialect.name == "postgresql"

    async def start(self) -> None:
        """Listening before this returns (or retrying in the background if it cannot)."""
        self._task = asyncio.create_task(self._run(), name="liveq-source-listener")
        waiting = asyncio.ensure_future(self._listening.wait())
        await asyncio.wait({waiting, self._task}, timeout=5, return_when="FIRST_COMPLETED")
        waiting.cancel()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def _run(self) -> None:
        import asyncpg

        engine = self._sessionmaker.kw["bind"]
        dsn = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        channel: str | None = None
        delay = 0.1
        while True:
            lost = asyncio.Event()
            conn: Any = None
            try:
                if channel is None:
                    async with self._sessionmaker() as s:
                        channel = str(await s.scalar(_CHANNEL))
                conn = await asyncpg.connect(dsn)
                conn.add_termination_listener(lambda _c, lost=lost: lost.set())
                await conn.add_listener(channel, self._notified)
                self.backend_pid = conn.get_server_pid()
                self.connections += 1
                if self.connections > 1:
                    # Whatever was notified while we were away is lost: re-read everything.
                    self._wakeups.resync()
                self._listening.set()
                delay = 0.1
                while not lost.is_set():
                    try:
                        await asyncio.wait_for(lost.wait(), self._health_every)
                    except TimeoutError:
                        # A connection cut without a word (a dead network) shows up here.
                        await asyncio.wait_for(conn.execute("SELECT 1"), self._health_every)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - any failure: reconnect, with a pause
                log.warning("source listener lost its connection (%s)", type(exc).__name__)
            finally:
                if conn is not None and not conn.is_closed():
                    conn.terminate()
            await asyncio.sleep(delay)
            delay = min(delay * 2, self._retry_cap)

    def _notified(self, _conn: Any, _pid: int, _channel: str, payload: str) -> None:
        event_id, sender = parse_payload(payload)
        if sender == PROCESS:
            return
        if event_id is None:
            self._wakeups.resync()
        else:
            self._wakeups.add({event_id})


class SourceWatch:
    """A collector's wake-ups: this process's commits and, on PostgreSQL, other processes'."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self._sessionmaker = sessionmaker
        self._scope: Any = None
        self.wakeups: Wakeups | None = None
        self.listener: SourceListener | None = None

    async def start(self) -> Wakeups:
        self._scope = subscribed()
        self.wakeups = self._scope.__enter__()
        if SourceListener.supported(self._sessionmaker):
            self.listener = SourceListener(self._sessionmaker, self.wakeups)
            await self.listener.start()
        return self.wakeups

    async def stop(self) -> None:
        if self.listener is not None:
            await self.listener.stop()
            self.listener = None
        if self._scope is not None:
            self._scope.__exit__(None, None, None)
            self._scope = None
