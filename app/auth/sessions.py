"""Dashboard sign-in: server-side sessions behind an opaque cookie, each with its CSRF token.

Sessions live in the database (table `web_sessions`), so a restart in the middle of a live
event signs nobody out and every worker sees the same sessions. The cookie holds a random id;
the table holds only its sha256, so a leaked database does not leak live cookies.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from fastapi import Request, Response
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.auth.tokens import ADMIN_ACTOR, Principal, authenticate, hash_token
from kit.clock import Clock, utcnow
from kit.db import read_only
from kit.settings import ApiSettings
from models import ApiToken, DashboardSession

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
    checked_at: datetime

    def csrf_ok(self, sent: str | None) -> bool:
        return sent is not None and hmac.compare_digest(sent.encode(), self.csrf.encode())


def _key(session_id: str) -> str:
    return hash_token(session_id)


@dataclass
class SessionStore:
    """Sessions in the database, each call in a short transaction of its own.

    Methods take the session maker rather than a session so that each can choose its
    transaction: a read-only one for the lookup every request makes (on SQLite it does not
    queue behind collectors' writes), a writing one only to sign in, sign out or recheck.
    """

    lifetime: timedelta = timedelta(hours=12)
    # How often a session's token is checked again, so revoking a token ends its sessions.
    recheck: timedelta = timedelta(seconds=30)
    clock: Clock = utcnow
    # Expired rows deleted per sign-in: cleanup stays a small cost of one request.
    sweep: int = 100
    # The admin token in force (LIVEQ_ADMIN_TOKEN), hashed: an admin session signed in with
    # another one (the token was rotated, or unset) ends at its next request.
    admin_token_hash: str | None = None

    async def sign_in(
        self, maker: Maker, *, token: str, admin_token: str | None, replacing: str | None = None
    ) -> WebSession | None:
        """Trade an API token for a session (None if the token is not valid), in one transaction.

        One transaction, not the request's session and then another: on SQLite the first
        would hold the write lock the second waits for.
        """
        async with maker() as db, db.begin():
            principal = await authenticate(
                db, token=token, admin_token=admin_token, now=self.clock()
            )
            if principal is None:
                return None
            if replacing:
                await db.execute(
                    delete(DashboardSession).where(DashboardSession.id_hash == _key(replacing))
                )
            return await self._insert(db, principal, hash_token(token))

    async def open(
        self, maker: Maker, principal: Principal, *, token_hash: str | None
    ) -> WebSession:
        """A new session for an already authenticated principal."""
        async with maker() as db, db.begin():
            return await self._insert(db, principal, token_hash)

    async def get(self, maker: Maker, session_id: str) -> WebSession | None:
        """The session behind a cookie; None (and the row deleted) once it has expired."""
        async with maker() as db:
            await read_only(db)
            row = await db.scalar(
                select(DashboardSession).where(DashboardSession.id_hash == _key(session_id))
            )
        if row is None:
            return None
        if row.expires_at <= self.clock() or not self._admin_current(row):
            await self.close(maker, session_id)
            return None
        return WebSession(
            id=session_id,
            principal=Principal(actor=row.actor, role=row.role),
            token_hash=row.token_hash,
            csrf=row.csrf,
            expires_at=row.expires_at,
            checked_at=row.checked_at,
        )

    async def close(self, maker: Maker, session_id: str) -> None:
        async with maker() as db, db.begin():
            await db.execute(
                delete(DashboardSession).where(DashboardSession.id_hash == _key(session_id))
            )

    def _admin_current(self, row: DashboardSession) -> bool:
        if row.actor != ADMIN_ACTOR:
            return True
        return (
            self.admin_token_hash is not None
            and row.token_hash is not None
            and hmac.compare_digest(row.token_hash, self.admin_token_hash)
        )

    def due_for_recheck(self, session: WebSession) -> bool:
        """API-token sessions are checked against the table every `recheck` (admin sessions
        against the admin token in force, at every request)."""
        return (
            session.principal.actor != ADMIN_ACTOR
            and self.clock() - session.checked_at > self.recheck
        )

    async def recheck_token(self, maker: Maker, session: WebSession) -> bool:
        """False (and the session closed) when its token was revoked or deleted."""
        now = self.clock()
        async with maker() as db, db.begin():
            alive = await db.scalar(
                select(ApiToken.id).where(
                    ApiToken.token_hash == session.token_hash, ApiToken.revoked.is_(False)
                )
            )
            target = DashboardSession.id_hash == _key(session.id)
            if alive is None:
                await db.execute(delete(DashboardSession).where(target))
                return False
            await db.execute(update(DashboardSession).where(target).values(checked_at=now))
        session.checked_at = now
        return True

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
            checked_at=now,
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
