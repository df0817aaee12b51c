"""Liveness and readiness, without authentication."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from kit.migrate import current_revision

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(request: Request) -> JSONResponse:
    """Ready when the database answers and its schema is at head; collectors reported too."""
    state = request.app.state
    body: dict[str, object] = {"database": "ok", "schema": "ok"}
    ready = True
    try:
        async with state.sessionmaker() as session:
            await session.execute(text("SELECT 1"))
            current = await current_revision(await session.connection())
        if current != state.schema_head:
            ready = False
            body["schema"] = f"at {current}, head is {state.schema_head}: run `liveq migrate`"
    except Exception as exc:  # noqa: BLE001 - any failure means not ready; say which
        ready = False
        body["database"] = f"unreachable: {type(exc).__name__}"
    collectors = getattr(state, "collectors", {})
    body["collectors"] = {name: c.status() for name, c in collectors.items()}
    # Suggestions by meaning are a help, not a need: their state is told, never "not ready".
    meaning = getattr(state, "meaning", None)
    body["suggestions"] = (
        "by words only (LIVEQ_SEMANTIC_SUGGESTIONS=false)" if meaning is None else meaning.state
    )
    body["status"] = "ready" if ready else "not ready"
    return JSONResponse(body, status_code=200 if ready else 503)
