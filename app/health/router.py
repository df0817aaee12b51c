"""Liveness and readiness for anyone (nothing more than up / ready); the detail for hosts."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from app.deps import RequireHost
from app.errors import API_ERRORS
from app.health.outage import describe
from kit.logs import redact
from kit.migrate import current_revision

router = APIRouter(tags=["health"])

# /readyz answers within this, whatever state the database is in (seconds).
READY_WITHIN = 3.0


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(request: Request) -> JSONResponse:
    """Ready when the database answers and its schema is at head. Public, so it says only
    that; hosts read why at /api/v1/status."""
    ready, _ = await _database(request)
    return JSONResponse(
        {"status": "ready" if ready else "not ready"}, status_code=200 if ready else 503
    )


@router.get("/api/v1/status", responses=API_ERRORS)
async def status(request: Request, _host: RequireHost) -> JSONResponse:
    """Readiness with its detail: the database, the schema, each collector's report."""
    ready, body = await _database(request)
    collectors = getattr(request.app.state, "collectors", {})
    body["collectors"] = {name: _scrub(c.status()) for name, c in collectors.items()}
    # Suggestions by meaning are a help, not a need: their state is told, never "not ready".
    meaning = getattr(request.app.state, "meaning", None)
    body["suggestions"] = (
        "by words only (LIVEQ_SEMANTIC_SUGGESTIONS=false)" if meaning is None else meaning.state
    )
    # Earlier questions still being embedded after a start (compared by words until then).
    body["suggestions_embedding"] = 0 if meaning is None else meaning.warming
    body["status"] = "ready" if ready else "not ready"
    return JSONResponse(body, status_code=200 if ready else 503)


async def _database(request: Request) -> tuple[bool, dict[str, Any]]:
    state = request.app.state
    body: dict[str, Any] = {"database": "ok", "schema": "ok"}
    try:
        async with asyncio.timeout(READY_WITHIN):
            async with state.sessionmaker() as session:
                await session.execute(text("SELECT 1"))
                current = await current_revision(await session.connection())
    except Exception as exc:  # noqa: BLE001 - any failure means not ready; say which kind
        state.db_failures.failed("readiness check failed", exc)
        body["database"] = f"unreachable: {describe(exc).split(':', 1)[0]}"
        return False, body
    if current != state.schema_head:
        body["schema"] = f"at {current}, head is {state.schema_head}: run `liveq migrate`"
        return False, body
    return True, body


def _scrub(value: Any) -> Any:
    """A collector's report without statements or parameters an error message may carry."""
    if isinstance(value, dict):
        return {k: _scrub(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v) for v in value]
    if isinstance(value, str):
        for cut in ("\n[SQL:", "[SQL:", "\n[parameters:", "(Background on this error"):
            value = value.split(cut, 1)[0]
        return redact(value.strip()[:300])
    return value
