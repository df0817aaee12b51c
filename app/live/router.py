"""/api/v1/events/{id}/stream (Server-Sent Events) and /api/v1/events/{id}/stats."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Literal

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import StreamingResponse

from app.deps import CurrentUser, IntakeDep, RequireHost, SessionDep, StillSignedIn
from app.events.service import get_event
from app.live import service
from app.live.stats import StatsOut, event_stats

router = APIRouter(prefix="/api/v1", tags=["live"])


@router.get("/events/{event_id}/stream", response_class=StreamingResponse)
async def event_stream(
    event_id: int,
    request: Request,
    _user: CurrentUser,
    signed_in: StillSignedIn,
    last_event_id: Annotated[str | None, Header(max_length=20)] = None,
    after: Annotated[int | None, Query(ge=0, description="resume after this entry id")] = None,
    authors: Literal["none", "names"] = "none",
) -> StreamingResponse:
    """Each change as an SSE event whose id is its audit entry id; reconnects resume."""
    state = request.app.state
    signed_in_at = state.intake.clock()  # the caller was authenticated just now
    async with state.sessionmaker() as session:
        await get_event(session, event_id=event_id)
    resume = int(last_event_id) if last_event_id and last_event_id.isdigit() else after
    settings: service.LiveSettings = state.live
    streams: service.Streams = state.streams
    stop = streams.open()

    async def body() -> AsyncIterator[str]:
        try:
            async for message in service.stream(
                feeds=state.feeds,
                event_id=event_id,
                after=resume,
                names=authors == "names",
                settings=settings,
                stop=stop,
                guard=state.stream_guard,
                signed_in=signed_in,
                signed_in_at=signed_in_at,
                clock=state.intake.clock,
            ):
                yield message
        finally:
            streams.release(stop)

    return StreamingResponse(
        body(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


@router.get("/events/{event_id}/stats", response_model=StatsOut)
async def stats(
    event_id: int, session: SessionDep, _user: CurrentUser, intake: IntakeDep
) -> StatsOut:
    """Questions per minute per platform, totals and the share answered."""
    event = await get_event(session, event_id=event_id)
    return await event_stats(session, event=event, now=intake.clock())


@router.get("/live/metrics")
async def live_metrics(request: Request, _host: RequireHost) -> dict[str, int]:
    """This process's live path: open streams, feeds and their reads of the audit trail, and
    the queue cache's hits and misses (for operators and benchmarks)."""
    state = request.app.state
    cache = state.queue_cache
    return {
        "streams_open": len(state.streams),
        "feeds": len(state.feeds),
        "feed_reads": state.feeds.total_reads,
        "queue_cache_hits": cache.hits,
        "queue_cache_misses": cache.misses,
    }
