"""Dashboard sign-in: server-side sessions behind an opaque cookie, each with its CSRF token."""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from fastapi import Request, Response
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.tokens import Principal, hash_token
from kit.clock import Clock, utcnow
from kit.settings import ApiSettings
from models import ApiToken

COOKIE = "liveq_session"
# Before sign-in there is no session: the sign-in form is protected by a double-submit cookie.
SIGNIN_COOKIE = "liveq_signin"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf"


@dataclass
class WebSession:
    """One signed-in browser: who it is, and the CSRF token its pages send back."""

    id: str
    principal: Principal
    token_hash: str | None  # None for the admin token (from the environment, not the table)
    csrf: str
    expires_at: datetime
    checked_at: datetime

    def csrf_ok(self, sent: str | None) -> bool:
        return sent is not None and hmac.compare_digest(sent.encode(), self.csrf.encode())


@dataclass
class SessionStore:
    """Sessions kept in this process: the cookie holds only a random id (a restart signs out)."""

    lifetime: timedelta = timedelta(hours=12)
    # How often a session's token is checked again, so revoking a token ends its sessions.
    recheck: timedelta = timedelta(seconds=30)
    clock: Clock = utcnow
    max_sessions: int = 10_000
    _sessions: dict[str, WebSession] = field(default_factory=dict)

    def open(self, principal: Principal, *, token_hash: str | None) -> WebSession:
        now = self.clock()
        if len(self._sessions) >= self.max_sessions:
            self._drop_expired(now)
        session = WebSession(
            id=secrets.token_urlsafe(32),
            principal=principal,
            token_hash=token_hash,
            csrf=secrets.token_urlsafe(32),
            expires_at=now + self.lifetime,
            checked_at=now,
        )
        self._sessions[session.id] = session
        return session

    def get(self, session_id: str) -> WebSession | None:
        session = self._sessions.get(session_id)
        if session is None:
            return None
        if session.expires_at <= self.clock():
            self._sessions.pop(session_id, None)
            return None
        return session

    def close(self, session_id: str) -> None:
        self._sessions.pop(session_id, None)

    def due_for_recheck(self, session: WebSession) -> bool:
        return session.token_hash is not None and self.clock() - session.checked_at > self.recheck

    async def recheck_token(self, db: AsyncSession, session: WebSession) -> bool:
        """False (and the session closed) when its token was revoked or deleted."""
        alive = await db.scalar(
            select(ApiToken.id).where(
                ApiToken.token_hash == session.token_hash, ApiToken.revoked.is_(False)
            )
        )
        if alive is None:
            self.close(session.id)
            return False
        session.checked_at = self.clock()
        return True

    def _drop_expired(self, now: datetime) -> None:
        for sid in [sid for sid, s in self._sessions.items() if s.expires_at <= now]:
            del self._sessions[sid]


def token_hash_for(principal: Principal, token: str) -> str | None:
    return None if principal.actor == "admin" else hash_token(token)


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
