"""/api/v1/events/{id}/export: a download of the queue in a chosen format."""

from __future__ import annotations

from fastapi import APIRouter, Response

from app.deps import CurrentUser, IntakeDep, SessionDep
from app.events.names import Authors, reveal_names
from app.events.service import get_event
from app.exports.service import MEDIA, Format, Scope, export
from app.fields import EventIdPath

router = APIRouter(prefix="/api/v1", tags=["exports"])


# Each format's media type, documented: the text formats as text, json as a list of questions.
_CONTENT: dict[str, object] = {
    media.split(";")[0]: {"schema": {"type": "string"}} for media in MEDIA.values()
}
_CONTENT["application/json"] = {"schema": {"type": "object"}}


@router.get(
    "/events/{event_id}/export",
    response_class=Response,
    responses={200: {"description": "The file, in the chosen format", "content": _CONTENT}},
)
async def export_event(
    event_id: EventIdPath,
    session: SessionDep,
    user: CurrentUser,
    intake: IntakeDep,
    format: Format = "md",
    status: Scope = "unanswered",
    authors: Authors = "none",
    bom: bool | None = None,
) -> Response:
    """The queue as a file; a CSV starts with a byte-order mark unless ?bom=0."""
    event = await get_event(session, event_id=event_id)
    names = reveal_names(user, event, authors)
    body, media, filename = await export(
        session,
        event=event,
        fmt=format,
        scope=status,
        names=names,
        now=intake.clock(),
        bom=bom,
    )
    return Response(
        body,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
