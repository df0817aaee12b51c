"""Hearing other processes' changes: one PostgreSQL connection per process LISTENs on the
schema's channel and turns each NOTIFY into the same in-process signal a local commit gives."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from kit import changes
from kit.settings import DatabaseSettings

log = logging.getLogger("liveq.listen")


class ChangeListener:
    """LISTEN on a dedicated connection, reconnecting with back-off; after every (re)connect
    everything is treated as changed, since signals sent meanwhile were lost."""

    def __init__(self, settings: DatabaseSettings, *, retry_max: float = 30.0) -> None:
        self._dsn = settings.database_url.replace("postgresql+asyncpg://", "postgresql://", 1)
        self._channel = changes.channel_for(settings.database_schema)
        # Shown in pg_stat_activity: which process and schema this connection listens for.
        self.name = f"liveq-listener {settings.database_schema or 'public'}"[:63]
        self._retry_max = retry_max
        self._task: asyncio.Task[None] | None = None
        self.connected = asyncio.Event()
        self.heard = 0

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="liveq-change-listener")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    @property
    def healthy(self) -> bool:
        return self.connected.is_set()

    def _on_notify(self, _conn: Any, _pid: int, _channel: str, payload: str) -> None:
        origin, _, ids = payload.partition(" ")
        if origin == changes.ORIGIN:
            return  # this process's own commit: already signalled
        try:
            event_ids = [int(part) for part in ids.split(",") if part]
        except ValueError:
            log.warning("change listener: ignoring a malformed signal")
            return
        self.heard += 1
        changes.fire(event_ids)

    async def _run(self) -> None:
        import asyncpg

        delay = 0.5
        failures = 0
        while True:
            conn = None
            try:
                conn = await asyncpg.connect(
                    self._dsn, timeout=10, server_settings={"application_name": self.name}
                )
                lost = asyncio.Event()
                conn.add_termination_listener(lambda _c, lost=lost: lost.set())
                await conn.add_listener(self._channel, self._on_notify)
                self.connected.set()
                if failures:
                    log.info("change listener: reconnected after %d failed attempt(s)", failures)
                failures, delay = 0, 0.5
                changes.fire_all()  # whatever was signalled while we were away
                while not lost.is_set():
                    try:
                        await asyncio.wait_for(lost.wait(), 15)
                    except TimeoutError:
                        await conn.execute("SELECT 1")  # notices a silently dropped connection
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                failures += 1
                if failures == 1:
                    log.warning("change listener: %s; retrying", type(exc).__name__)
            finally:
                self.connected.clear()
                if conn is not None and not conn.is_closed():
                    conn.terminate()
            await asyncio.sleep(delay)
            delay = min(delay * 2, self._retry_max)
