"""/api/v1/events: create, list, read, change, end, purge."""

from __future__ import annotations

from fastapi import APIRouter, Request, status

from app.deps import CurrentUser, IntakeDep, RequireHost, SessionDep
from app.events import service
from app.events.schemas import EventCreate, EventOut, EventPatch, SourceOut
from app.fields import EventIdPath

router = APIRouter(prefix="/api/v1/events", tags=["events"])


@router.post("", status_code=status.HTTP_201_CREATED, response_model=EventOut)
async def create_event(
    data: EventCreate, session: SessionDep, user: RequireHost, intake: IntakeDep
) -> EventOut:
    event = await service.create_event(session, data=data, actor=user.actor, now=intake.clock())
    return service.event_out(event)


@router.get("", response_model=list[EventOut])
async def list_events(session: SessionDep, _user: CurrentUser) -> list[EventOut]:
    return [service.event_out(e) for e in await service.list_events(session)]


@router.get("/{event_id}", response_model=EventOut)
async def get_event(event_id: EventIdPath, session: SessionDep, _user: CurrentUser) -> EventOut:
    return service.event_out(await service.get_event(session, event_id=event_id))


@router.patch("/{event_id}", response_model=EventOut)
async def patch_event(
    event_id: EventIdPath,
    data: EventPatch,
    session: SessionDep,
    user: RequireHost,
    intake: IntakeDep,
) -> EventOut:
    event = await service.get_event(session, event_id=event_id)
    event = await service.update_event(
        session, event=event, data=data, actor=user.actor, now=intake.clock()
    )
    return service.event_out(event)


@router.get("/{event_id}/sources", response_model=list[SourceOut])
async def event_sources(
    event_id: EventIdPath, request: Request, session: SessionDep, _user: CurrentUser
) -> list[SourceOut]:
    """Each source's state, with what its collector reports (YouTube quota, pacing…), its
    health in plain words (what it is doing, why it stopped, what fixes it), and the messages
    it set aside because they could not be stored (a count and the latest reasons)."""
    event = await service.get_event(session, event_id=event_id)
    collectors = getattr(request.app.state, "collectors", {})
    reports = service.collector_reports(collectors, event)
    health = await service.sources_health(session, event=event, collectors=collectors)
    set_aside = await service.set_aside_by_source(session, event=event)
    return [
        service.source_out(s, reports.get(s.id), set_aside.get(s.id)).model_copy(
            update={"health": health.get(s.id)}
        )
        for s in event.sources
    ]


@router.post("/{event_id}/purge")
async def purge(
    event_id: EventIdPath, session: SessionDep, user: RequireHost, intake: IntakeDep
) -> dict[str, int]:
    """Forget the askers of this event (names, pseudonymous keys, voters)."""
    event = await service.get_event(session, event_id=event_id)
    n = await service.purge_personal_data(
        session, event=event, actor=user.actor, now=intake.clock()
    )
    return {"asks_purged": n}
