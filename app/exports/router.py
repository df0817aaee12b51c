"""/api/v1/events/{id}/export: a download of the queue in a chosen format."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Response

from app.deps import CurrentUser, IntakeDep, SessionDep
from app.events.service import get_event
from app.exports.service import Format, Scope, export

router = APIRouter(prefix="/api/v1", tags=["exports"])


@router.get("/events/{event_id}/export")
async def export_event(
    event_id: int,
    session: SessionDep,
    _user: CurrentUser,
    intake: IntakeDep,
    format: Format = "md",
    status: Scope = "unanswered",
    authors: Literal["none", "names"] = "none",
    bom: bool | None = None,
) -> Response:
    """The queue as a file; a CSV starts with a byte-order mark unless ?bom=0."""
    event = await get_event(session, event_id=event_id)
    body, media, filename = await export(
        session,
        event=event,
        fmt=format,
        scope=status,
        names=authors == "names",
        now=intake.clock(),
        bom=bom,
    )
    return Response(
        body,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
