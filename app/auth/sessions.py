"""Dashboard sign-in: server-side sessions behind an opaque cookie, each with its CSRF token.

Sessions live in the database (table `web_sessions`), so a restart in the middle of a live
event signs nobody out and every worker sees the same sessions. The cookie holds a random id;
the table holds only its sha256, so a leaked database does not leak live cookies. What a
process read of a session it trusts for `ttl` (a sign-out here is seen at once, one in another
process within `ttl`), and the token it was signed in with is checked through the token cache.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from fastapi import Request, Response
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.auth.principals import TokenCheck
from app.auth.tokens import ADMIN_ACTOR, Principal, hash_token
from kit.clock import Clock, utcnow
from kit.db import read_only
from kit.expiring import Expiring, Missing
from kit.settings import ApiSettings
from models import DashboardSession, Role

COOKIE = "liveq_session"
# Before sign-in there is no session: the sign-in form is protected by a double-submit cookie.
SIGNIN_COOKIE = "liveq_signin"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf"

Maker = async_sessionmaker[AsyncSession]


@dataclass
class WebSession:
    """One signed-in browser: who it is, and the CSRF token its pages send back."""

    id: str  # the cookie's value: in memory only, never stored
    principal: Principal
    token_hash: str | None  # the hash of the token signed in with
    csrf: str
    expires_at: datetime

    def csrf_ok(self, sent: str | None) -> bool:
        return sent is not None and hmac.compare_digest(sent.encode(), self.csrf.encode())


@dataclass(frozen=True, slots=True)
class _Stored:
    """What the table holds of a session, as cached."""

    actor: str
    role: Role
    token_hash: str | None
    csrf: str
    expires_at: datetime


def _key(session_id: str) -> str:
    return hash_token(session_id)


@dataclass
class SessionStore:
    """Sessions in the database, each call in a short transaction of its own.

    Methods take the session maker rather than a session so that each can choose its
    transaction: a read-only one for a lookup (on SQLite it does not queue behind collectors'
    writes), a writing one only to sign in or out.
    """

    tokens: TokenCheck = field(default_factory=TokenCheck)
    lifetime: timedelta = timedelta(hours=12)
    clock: Clock = utcnow
    # Expired rows deleted per sign-in: cleanup stays a small cost of one request.
    sweep: int = 100
    # The admin token in force (LIVEQ_ADMIN_TOKEN), hashed: an admin session signed in with
    # another one (the token was rotated, or unset) ends at its next request.
    admin_token_hash: str | None = None
    ttl: timedelta = timedelta(seconds=10)
    size: int = 10_000

    def __post_init__(self) -> None:
        self._cache: Expiring[str, _Stored | None] = Expiring(
            ttl=self.ttl, size=self.size, clock=self.clock
        )
        self._generation = 0

    async def sign_in(
        self, maker: Maker, *, token: str, address: str | None, replacing: str | None = None
    ) -> WebSession | None:
        """Trade an API token for a session (None if the token is not valid; Throttled after
        too many failures from `address` or with the token's prefix)."""
        principal = await self.tokens.sign_in(maker, token=token, address=address)
        if principal is None:
            return None
        async with maker() as db, db.begin():
            if replacing:
                await db.execute(
                    delete(DashboardSession).where(DashboardSession.id_hash == _key(replacing))
                )
            session = await self._insert(db, principal, hash_token(token))
        if replacing:
            self._forget(_key(replacing))
        return session

    async def open(
        self, maker: Maker, principal: Principal, *, token_hash: str | None
    ) -> WebSession:
        """A new session for an already authenticated principal."""
        async with maker() as db, db.begin():
            return await self._insert(db, principal, token_hash)

    async def get(self, maker: Maker, session_id: str) -> WebSession | None:
        """The session behind a cookie; None (and the row deleted) once it has expired, or
        its token was revoked."""
        key = _key(session_id)
        stored = self._cache.get(key)
        if isinstance(stored, Missing):
            stored = await self._load(maker, key)
        if stored is None:
            return None
        if stored.expires_at <= self.clock() or not self._admin_current(stored):
            await self.close(maker, session_id)
            return None
        if stored.actor != ADMIN_ACTOR and (
            stored.token_hash is None or await self.tokens.by_hash(maker, stored.token_hash) is None
        ):
            await self.close(maker, session_id)
            return None
        return WebSession(
            id=session_id,
            principal=Principal(actor=stored.actor, role=stored.role),
            token_hash=stored.token_hash,
            csrf=stored.csrf,
            expires_at=stored.expires_at,
        )

    async def _load(self, maker: Maker, key: str) -> _Stored | None:
        generation = self._generation
        async with maker() as db:
            await read_only(db)
            row = await db.scalar(select(DashboardSession).where(DashboardSession.id_hash == key))
        stored = (
            None
            if row is None
            else _Stored(row.actor, row.role, row.token_hash, row.csrf, row.expires_at)
        )
        if generation == self._generation:
            self._cache.put(key, stored)
        return stored

    async def close(self, maker: Maker, session_id: str) -> None:
        async with maker() as db, db.begin():
            await db.execute(
                delete(DashboardSession).where(DashboardSession.id_hash == _key(session_id))
            )
        self._forget(_key(session_id))

    def _forget(self, key: str) -> None:
        self._generation += 1
        self._cache.pop(key)

    def forget_all(self) -> None:
        """Drop every cached session (sessions were deleted in bulk, e.g. a token revoked)."""
        self._generation += 1
        self._cache.clear()

    def _admin_current(self, stored: _Stored) -> bool:
        if stored.actor != ADMIN_ACTOR:
            return True
        return (
            self.admin_token_hash is not None
            and stored.token_hash is not None
            and hmac.compare_digest(stored.token_hash, self.admin_token_hash)
        )

    async def _insert(
        self, db: AsyncSession, principal: Principal, token_hash: str | None
    ) -> WebSession:
        now = self.clock()
        await self._sweep(db, now)
        session = WebSession(
            id=secrets.token_urlsafe(32),
            principal=principal,
            token_hash=token_hash,
            csrf=secrets.token_urlsafe(32),
            expires_at=now + self.lifetime,
        )
        db.add(
            DashboardSession(
                id_hash=_key(session.id),
                actor=principal.actor,
                role=principal.role,
                token_hash=token_hash,
                csrf=session.csrf,
                created_at=now,
                expires_at=session.expires_at,
                checked_at=now,
            )
        )
        await db.flush()
        return session

    async def _sweep(self, db: AsyncSession, now: datetime) -> None:
        """Delete up to `sweep` expired sessions (oldest first, along the expires_at index)."""
        expired = (
            select(DashboardSession.id_hash)
            .where(DashboardSession.expires_at <= now)
            .order_by(DashboardSession.expires_at)
            .limit(self.sweep)
        )
        await db.execute(
            delete(DashboardSession).where(DashboardSession.id_hash.in_(expired)),
            execution_options={"synchronize_session": False},
        )


def is_https(request: Request) -> bool:
    forwarded = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return request.url.scheme == "https" or forwarded == "https"


def set_cookie(
    response: Response,
    request: Request,
    settings: ApiSettings,
    *,
    name: str,
    value: str,
    max_age: int,
) -> None:
    """HttpOnly, SameSite=Strict, and Secure whenever the page came over https."""
    secure = settings.cookie_secure if settings.cookie_secure is not None else is_https(request)
    response.set_cookie(
        name, value, max_age=max_age, path="/", httponly=True, samesite="strict", secure=secure
    )


def clear_cookie(response: Response, request: Request, settings: ApiSettings, *, name: str) -> None:
    set_cookie(response, request, settings, name=name, value="", max_age=0)
