"""/api/v1/events/{id}/stream (Server-Sent Events) and /api/v1/events/{id}/stats."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, HTTPException, Query, Request

from app.deps import CurrentUser, IntakeDep, RequireHost, SessionDep, StillSignedIn
from app.events.names import Authors, reveal_names
from app.events.service import get_event
from app.fields import INT32_MAX, EventIdPath
from app.live import service
from app.live.response import EventStreamResponse
from app.live.stats import StatsOut, event_stats
from app.live.subscriber import Sink

router = APIRouter(prefix="/api/v1", tags=["live"])


@router.get("/events/{event_id}/stream", response_class=EventStreamResponse)
async def event_stream(
    event_id: EventIdPath,
    request: Request,
    user: CurrentUser,
    signed_in: StillSignedIn,
    last_event_id: Annotated[str | None, Header(max_length=20)] = None,
    after: Annotated[
        int | None, Query(ge=0, le=INT32_MAX, description="resume after this entry id")
    ] = None,
    authors: Authors = "none",
) -> EventStreamResponse:
    """Each change as an SSE event whose id is its audit entry id; reconnects resume."""
    state = request.app.state
    signed_in_at = state.intake.clock()  # the caller was authenticated just now
    async with state.sessionmaker() as session:
        event = await get_event(session, event_id=event_id)
    names = reveal_names(user, event, authors)
    resume = after
    if last_event_id and last_event_id.isascii() and last_event_id.isdigit():
        if int(last_event_id) > INT32_MAX:
            raise HTTPException(
                422,
                [
                    {
                        "loc": ["header", "last-event-id"],
                        "msg": f"must be at most {INT32_MAX} (an id this stream sent)",
                        "type": "less_than_equal",
                    }
                ],
            )
        resume = int(last_event_id)
    settings: service.LiveSettings = state.live
    streams: service.Streams = state.streams
    stop = streams.open()

    async def write(sink: Sink) -> None:
        try:
            await service.stream(
                feeds=state.feeds,
                event_id=event_id,
                after=resume,
                names=names,
                settings=settings,
                stop=stop,
                sink=sink,
                guard=state.stream_guard,
                signed_in=signed_in,
                signed_in_at=signed_in_at,
                clock=state.intake.clock,
            )
        finally:
            streams.release(stop)

    return EventStreamResponse(
        write, headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    )


@router.get("/events/{event_id}/stats", response_model=StatsOut)
async def stats(
    event_id: EventIdPath, session: SessionDep, _user: CurrentUser, intake: IntakeDep
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
