"""Annotated dependencies: route signatures read like sentences."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.auth.principals import Throttled, TokenCheck
from app.auth.sessions import SessionStore, WebSession
from app.auth.tokens import ACTING, HOSTING, Principal
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


def get_meaning(request: Request) -> Meaning | None:
    """Suggestions by meaning, unless LIVEQ_SEMANTIC_SUGGESTIONS turned them off."""
    meaning: Meaning | None = request.app.state.meaning
    return meaning


SettingsDep = Annotated[ApiSettings, Depends(get_settings)]
MeaningDep = Annotated[Meaning | None, Depends(get_meaning)]
IntakeDep = Annotated[Intake, Depends(get_intake)]

_bearer = HTTPBearer(auto_error=False)


def client_address(request: Request) -> str | None:
    """The caller's address (uvicorn takes it from X-Forwarded-For behind a trusted proxy)."""
    return request.client.host if request.client else None


def token_check(request: Request) -> TokenCheck:
    """The app's token cache (made here for an app assembled without create_app)."""
    state = request.app.state
    tokens: TokenCheck | None = getattr(state, "tokens", None)
    if tokens is None:
        settings: ApiSettings = state.api_settings
        tokens = state.tokens = TokenCheck(
            admin_token=settings.admin_token, clock=request.app.state.intake.clock
        )
    return tokens


async def get_bearer(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal | None:
    """The bearer token's principal, None without one; 401 for a bad token, 429 after many."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        return None
    tokens = token_check(request)
    try:
        principal = await tokens.sign_in(
            request.app.state.sessionmaker,
            token=credentials.credentials,
            address=client_address(request),
        )
    except Throttled as exc:
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            str(exc),
            headers={"Retry-After": str(exc.retry_after)},
        ) from None
    if principal is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "invalid or revoked token",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return principal


BearerDep = Annotated[Principal | None, Depends(get_bearer)]


async def get_session(request: Request, _bearer: BearerDep) -> AsyncIterator[AsyncSession]:
    """One session per request, committed when the route succeeds, rolled back otherwise.

    It depends on the bearer check so that a token is checked (and its connection, if the
    cache had to ask the table, given back) before this session takes the request's one
    connection: a request holding one connection while waiting for a second deadlocks the
    pool once enough of them arrive together.
    """
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


# Ended with the route function, before the answer is sent: a commit that fails must turn
# the answer into an error (a 503 when the database is unavailable), never follow a 2xx.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]


async def get_principal(request: Request, bearer: BearerDep) -> Principal:
    # The dashboard signs in with a cookie session holding the same kind of token.
    cookie_principal = getattr(request.state, "principal", None)
    if cookie_principal is not None:
        return cookie_principal  # type: ignore[no-any-return]
    if bearer is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "missing bearer token",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return bearer


CurrentUser = Annotated[Principal, Depends(get_principal)]


def get_still_signed_in(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Callable[[], Awaitable[bool]]:
    """For a long response: asks whether its caller's cookie session or bearer token is still
    good (through the caches: seldom a query)."""
    maker: async_sessionmaker[AsyncSession] = request.app.state.sessionmaker
    web: WebSession | None = getattr(request.state, "web_session", None)
    if web is not None:
        store: SessionStore = request.app.state.web_sessions
        session_id = web.id

        async def session_alive() -> bool:
            return await store.get(maker, session_id) is not None

        return session_alive
    tokens = token_check(request)
    token = credentials.credentials if credentials is not None else ""

    async def token_alive() -> bool:
        return await tokens.still_valid(maker, token)

    return token_alive


StillSignedIn = Annotated[Callable[[], Awaitable[bool]], Depends(get_still_signed_in)]


def _require(roles: frozenset, what: str):  # type: ignore[no-untyped-def]
    async def check(user: CurrentUser) -> Principal:
        if user.role not in roles:
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"role {user.role.value} may not {what}")
        return user

    return check


RequireActor = Annotated[Principal, Depends(_require(ACTING, "change the queue"))]
RequireHost = Annotated[Principal, Depends(_require(HOSTING, "manage events"))]
