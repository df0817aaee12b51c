"""The queue's pages kept ready to send: each page's JSON bytes and ETag, keyed by what was
asked and valid while the event's version (kit/changes.py) stays the same.

A change committed in this process bumps the version at once, and one from another process
does when its NOTIFY arrives (PostgreSQL); without a listener (SQLite, or the listener down),
a page is also re-checked against the audit trail's position every `revalidate_seconds`.
Concurrent misses of one page share one build.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass

from kit import changes


@dataclass(frozen=True, slots=True)
class CachedPage:
    body: bytes
    etag: str
    version: tuple[int, int]
    position: int


def etag_of(body: bytes) -> str:
    return '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'


class QueueCache:
    """A bounded LRU of rendered queue pages."""

    def __init__(
        self,
        *,
        max_pages: int = 512,
        revalidate_seconds: float = 0.5,
        signals_reach_us: Callable[[], bool] = lambda: False,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._pages: OrderedDict[Hashable, CachedPage] = OrderedDict()
        self._building: dict[Hashable, asyncio.Future[CachedPage]] = {}
        # Per event: (when, position) of the last look at its audit trail, and a look under way.
        self._positions: dict[int, tuple[float, int]] = {}
        self._checking: dict[int, asyncio.Future[int]] = {}
        self.max_pages = max_pages
        self.revalidate_seconds = revalidate_seconds
        self._signals = signals_reach_us
        self._clock = clock
        self.hits = self.misses = 0

    async def page(
        self,
        key: Hashable,
        *,
        event_id: int,
        build: Callable[[], Awaitable[tuple[bytes, int]]],
        position: Callable[[], Awaitable[int]],
    ) -> CachedPage:
        """The page for `key`: from memory when still current, else built (bytes, position)."""
        version = changes.version(event_id)
        cached = self._pages.get(key)
        if cached is not None and cached.version == version:
            # No signal can reach us from other processes: is the event where it was?
            if self._signals() or await self._position(event_id, position) == cached.position:
                return self._hit(key, cached)
        self.misses += 1
        pending = self._building.get(key)
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[CachedPage] = asyncio.get_running_loop().create_future()
        self._building[key] = future
        try:
            checked_at = self._clock()
            body, at = await build()
            built = CachedPage(body, etag_of(body), version, at)
            # Stored under the version read before building: a change committed meanwhile
            # has moved the version on, so the next request builds again.
            self._store(key, built)
            self._known(event_id, checked_at, at)
            future.set_result(built)
            return built
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: no "never retrieved" warning when nobody waits
            raise
        finally:
            del self._building[key]

    async def _position(self, event_id: int, position: Callable[[], Awaitable[int]]) -> int:
        """The event's audit-trail position, asked of the database at most every
        `revalidate_seconds`, and once for every page and request of the event waiting on it
        (ten readers finding their pages due at once made ten queries, and stalled)."""
        known = self._positions.get(event_id)
        if known is not None and self._clock() - known[0] < self.revalidate_seconds:
            return known[1]
        pending = self._checking.get(event_id)
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self._checking[event_id] = future
        try:
            checked_at = self._clock()
            at = await position()
            self._known(event_id, checked_at, at)
            future.set_result(at)
            return at
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()
            raise
        finally:
            del self._checking[event_id]

    def _known(self, event_id: int, checked_at: float, at: int) -> None:
        known = self._positions.get(event_id)
        if known is None or checked_at >= known[0]:
            self._positions[event_id] = (checked_at, at)

    def _hit(self, key: Hashable, cached: CachedPage) -> CachedPage:
        self.hits += 1
        self._pages.move_to_end(key)
        return cached

    def _store(self, key: Hashable, page: CachedPage) -> None:
        self._pages[key] = page
        self._pages.move_to_end(key)
        while len(self._pages) > self.max_pages:
            self._pages.popitem(last=False)
