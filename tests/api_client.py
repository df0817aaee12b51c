"""An API client for tests: the real app over ASGI, on the test's rolled-back connection."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.main import create_app
from intake.ingest import Intake
from kit.settings import ApiSettings

ADMIN = "test-admin-token-0123456789"


@asynccontextmanager
async def api_client(
    engine: AsyncEngine,
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    intake: Intake | None = None,
    token: str | None = ADMIN,
    admin_token: str = ADMIN,
    semantic_suggestions: bool | None = False,
) -> AsyncIterator[httpx.AsyncClient]:
    """`semantic_suggestions=None` leaves the setting to its default (and the environment);
    when on, the client is handed over once the sentence encoder has loaded (or failed to)."""
    settings = (
        {} if semantic_suggestions is None else {"semantic_suggestions": semantic_suggestions}
    )
    app = create_app(
        api=ApiSettings(admin_token=admin_token, **settings),
        engine=engine,
        sessionmaker=sessionmaker,
        intake=intake or Intake(),
    )
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with app.router.lifespan_context(app):
        if app.state.meaning is not None:
            assert await asyncio.to_thread(app.state.meaning.ready.wait, 120)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://liveq.test", headers=headers
        ) as client:
            client.app = app  # type: ignore[attr-defined]
            yield client
