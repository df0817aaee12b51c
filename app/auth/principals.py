"""Who a token belongs to, from a short-lived cache: checking a token costs no query per request.

A token's answer (its principal, or None for an unknown or revoked one) is kept `ttl`.
Revoking in this process forgets it at once; another process (the CLI, a second worker)
learns of a revocation within `ttl`. The cache is bounded, refusals included, so a flood of
made-up tokens cannot grow it; concurrent checks of one token share a single query.
"""

from __future__ import annotations

import asyncio
import hmac
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.auth.throttle import FailureThrottle, keys
from app.auth.tokens import ADMIN_ACTOR, Principal, could_be_issued, hash_token
from kit.clock import Clock, utcnow
from kit.db import read_only
from kit.expiring import Expiring, Missing
from models import ApiToken, Role

Maker = async_sessionmaker[AsyncSession]
ADMIN = Principal(actor=ADMIN_ACTOR, role=Role.admin)


class Throttled(Exception):
    """Too many failed sign-ins from this address or with this token prefix."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many failed sign-ins: retry in {retry_after} s")
        self.retry_after = retry_after


@dataclass
class TokenCheck:
    """Tokens → principals: the admin token from the environment, the others from the table."""

    admin_token: str | None = field(default=None, repr=False)
    clock: Clock = utcnow
    ttl: timedelta = timedelta(seconds=10)
    size: int = 10_000
    # last_used_at is written at most this often per token (a write per request would
    # queue every reader behind SQLite's write lock).
    touch_every: timedelta = timedelta(minutes=1)
    throttle: FailureThrottle = field(default_factory=FailureThrottle)

    def __post_init__(self) -> None:
        self._cache: Expiring[str, Principal | None] = Expiring(
            ttl=self.ttl, size=self.size, clock=self.clock
        )
        self._good: Expiring[str, bool] = Expiring(
            ttl=timedelta(hours=1), size=self.size, clock=self.clock
        )
        self._loading: dict[str, asyncio.Future[Principal | None]] = {}
        # Bumped by every forget(): a lookup that began before it does not cache its answer.
        self._generation = 0

    def is_admin(self, token: str) -> bool:
        return bool(self.admin_token) and hmac.compare_digest(
            token.encode(), (self.admin_token or "").encode()
        )

    async def sign_in(self, maker: Maker, *, token: str, address: str | None) -> Principal | None:
        """The token's principal, or None (a failure, counted); Throttled after too many."""
        if self.is_admin(token):
            return ADMIN
        token_hash = hash_token(token)
        cached = self._cache.get(token_hash)
        if isinstance(cached, Principal):
            return cached  # a known good token is never held up by others' failures
        counters = keys(address, token)
        wait = self.throttle.retry_after(*counters)
        # Nor later: a token good in the last hour is asked about again (it may have been
        # revoked since), whatever others sharing its address or prefix did.
        if wait is not None and isinstance(self._good.get(token_hash), Missing):
            raise Throttled(wait)
        found = await self.by_hash(maker, token_hash) if could_be_issued(token) else None
        if found is None:
            self.throttle.failed(*counters)
        return found

    async def still_valid(self, maker: Maker, token: str) -> bool:
        """Whether a token that signed in is still good (not revoked since); no throttle."""
        return self.is_admin(token) or await self.by_hash(maker, hash_token(token)) is not None

    async def by_hash(self, maker: Maker, token_hash: str) -> Principal | None:
        """The principal of a table token (None if unknown or revoked), cached."""
        cached = self._cache.get(token_hash)
        if not isinstance(cached, Missing):  # None is an answer too: a refusal
            return cached
        loading = self._loading.get(token_hash)
        if loading is None:
            loading = asyncio.ensure_future(self._load(maker, token_hash))
            self._loading[token_hash] = loading
            loading.add_done_callback(lambda done: self._settled(token_hash, done))
        # Shielded: a caller that leaves does not cancel the lookup others are waiting on.
        return await asyncio.shield(loading)

    def _settled(self, token_hash: str, done: asyncio.Future[Principal | None]) -> None:
        if self._loading.get(token_hash) is done:
            del self._loading[token_hash]
        if not done.cancelled():
            done.exception()  # retrieved: every waiter has seen it already

    def forget(self, token_hash: str) -> None:
        """Drop what is known of a token (it was revoked): the next check asks the table."""
        self._generation += 1
        self._cache.pop(token_hash)
        self._good.pop(token_hash)
        self._loading.pop(token_hash, None)

    def forget_all(self) -> None:
        self._generation += 1
        self._cache.clear()
        self._good.clear()
        self._loading.clear()

    async def _load(self, maker: Maker, token_hash: str) -> Principal | None:
        generation = self._generation
        async with maker() as db:
            await read_only(db)
            row = (
                await db.execute(
                    select(ApiToken.id, ApiToken.name, ApiToken.role, ApiToken.last_used_at).where(
                        ApiToken.token_hash == token_hash, ApiToken.revoked.is_(False)
                    )
                )
            ).first()
        found = (
            None if row is None else Principal(actor=f"token:{row.id}:{row.name}", role=row.role)
        )
        if generation == self._generation:
            self._cache.put(token_hash, found)
            if found is not None:
                self._good.put(token_hash, True)
            else:
                self._good.pop(token_hash)
        now = self.clock()
        stale = row is not None and (
            row.last_used_at is None or now - row.last_used_at >= self.touch_every
        )
        if row is not None and stale:
            await self._touch(maker, row.id, now)
        return found

    async def _touch(self, maker: Maker, token_id: int, now: datetime) -> None:
        async with maker() as db, db.begin():
            await db.execute(
                update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now)
            )
