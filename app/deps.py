"""Annotated dependencies: route signatures read like sentences."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.auth.tokens import ACTING, HOSTING, Principal, authenticate
from intake.ingest import Intake
from intake.matching.suggest import Meaning
from kit.db import read_only
from kit.settings import ApiSettings


def get_settings(request: Request) -> ApiSettings:
    settings: ApiSettings = request.app.state.api_settings
    return settings


def get_intake(request: Request) -> Intake:
    intake: Intake = request.app.state.intake
    return intake


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One session per request, committed when the route succeeds, rolled back otherwise."""
    maker: async_sessionmaker[AsyncSession] = request.app.state.sessionmaker
    async with maker() as session:
        if request.method in ("GET", "HEAD"):
            # Reads never wait behind a collector's write (nor hold one up) on SQLite.
            await read_only(session)
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise


def get_meaning(request: Request) -> Meaning | None:
    """Suggestions by meaning, unless LIVEQ_SEMANTIC_SUGGESTIONS turned them off."""
    meaning: Meaning | None = request.app.state.meaning
    return meaning


SettingsDep = Annotated[ApiSettings, Depends(get_settings)]
MeaningDep = Annotated[Meaning | None, Depends(get_meaning)]
IntakeDep = Annotated[Intake, Depends(get_intake)]
SessionDep = Annotated[AsyncSession, Depends(get_session)]

_bearer = HTTPBearer(auto_error=False)


async def get_principal(
    request: Request,
    settings: SettingsDep,
    intake: IntakeDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    # The dashboard signs in with a cookie session holding the same kind of token.
    cookie_principal = getattr(request.state, "principal", None)
    if cookie_principal is not None:
        return cookie_principal  # type: ignore[no-any-return]
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "missing bearer token",
            headers={"WWW-Authenticate": "Bearer"},
        )
    # A session of its own, closed at once: a long response (a live stream) must not keep
    # the request's session open just because its caller was authenticated.
    maker: async_sessionmaker[AsyncSession] = request.app.state.sessionmaker
    async with maker() as session, session.begin():
        principal = await authenticate(
            session,
            token=credentials.credentials,
            admin_token=settings.admin_token,
            now=intake.clock(),
        )
    if principal is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "invalid or revoked token",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return principal


CurrentUser = Annotated[Principal, Depends(get_principal)]


def _require(roles: frozenset, what: str):  # type: ignore[no-untyped-def]
    async def check(user: CurrentUser) -> Principal:
        if user.role not in roles:
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"role {user.role.value} may not {what}")
        return user

    return check


RequireActor = Annotated[Principal, Depends(_require(ACTING, "change the queue"))]
RequireHost = Annotated[Principal, Depends(_require(HOSTING, "manage events"))]
