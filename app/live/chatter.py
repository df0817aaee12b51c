"""The chat panel's API: what detection set aside as chatter (in memory only), live, and its
promotion to a question. Moderators, hosts and admins only.

- GET  /api/v1/events/{id}/chatter                 the last 15 minutes, per message
- GET  /api/v1/events/{id}/chatter/stream          the same, live (SSE: snapshot, add, remove)
- POST /api/v1/events/{id}/chatter/{msg}/promote   ingest it as a question (merged if duplicate)

Names follow the rule everywhere: shown only with `authors=names`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Path, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel
from sqlalchemy import event as sa_event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from app.deps import IntakeDep, RequireActor, SessionDep
from app.events.names import reveal_names
from app.events.service import get_event
from app.fields import EventIdPath
from app.live.service import LiveSettings, Streams, sse
from app.questions import service as questions
from app.questions.schemas import IngestOut
from app.questions.shapes import question_out
from intake.asks import Outcome
from intake.chatter import ChatterLog, ChatterMessage
from intake.ingest import Intake, ingest

router = APIRouter(prefix="/api/v1", tags=["chat panel"])

Authors = Annotated[Literal["none", "names"], Query(description="askers' names: off by default")]
# Expired messages leave open panels at least this often, even when nothing new arrives.
_RECHECK_SECONDS = 5.0


class ChatterOut(BaseModel):
    id: int
    platform: str
    text: str
    asked_at: datetime
    received_at: datetime
    author: str | None = None


class ChatterList(BaseModel):
    items: list[ChatterOut]
    window_seconds: int
    cap: int


def _printable(text: str) -> str:
    """Chat text as JSON can carry it: a lone surrogate (valid in a platform's JSON escape, not
    in UTF-8) becomes U+FFFD; pairs and everything else stay as sent."""
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def chatter_out(entry: ChatterMessage, *, names: bool) -> ChatterOut:
    ask = entry.ask
    author = ask.author_name if names else None
    return ChatterOut(
        id=entry.id,
        platform=ask.platform.value,
        text=_printable(ask.text),
        asked_at=ask.asked_at,
        received_at=entry.received_at,
        author=_printable(author) if author is not None else None,
    )


def _listing(log: ChatterLog, entries: list[ChatterMessage], *, names: bool) -> ChatterList:
    return ChatterList(
        items=[chatter_out(e, names=names) for e in entries],
        window_seconds=int(log.window.total_seconds()),
        cap=log.cap,
    )


@router.get("/events/{event_id}/chatter", response_model=ChatterList)
async def recent_chatter(
    event_id: EventIdPath,
    session: SessionDep,
    user: RequireActor,
    intake: IntakeDep,
    authors: Authors = "none",
) -> ChatterList:
    """The last 15 minutes of messages set aside as chatter (held in memory, never stored)."""
    names = reveal_names(user, await get_event(session, event_id=event_id), authors)
    log = intake.chatter
    return _listing(log, log.recent(event_id, now=intake.clock()), names=names)


@router.get("/events/{event_id}/chatter/stream", response_class=StreamingResponse)
async def chatter_stream(
    event_id: EventIdPath, request: Request, user: RequireActor, authors: Authors = "none"
) -> StreamingResponse:
    """The chatter live: a `snapshot` on connecting, then `add` and `remove` as it changes."""
    state = request.app.state
    async with state.sessionmaker() as session:
        names = reveal_names(user, await get_event(session, event_id=event_id), authors)
    streams: Streams = state.streams
    stop = streams.open()

    async def body() -> AsyncIterator[str]:
        try:
            async for message in stream(
                state.intake,
                event_id=event_id,
                names=names,
                settings=state.live,
                stop=stop,
            ):
                yield message
        finally:
            streams.release(stop)

    return StreamingResponse(
        body(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


async def stream(
    intake: Intake, *, event_id: int, names: bool, settings: LiveSettings, stop: asyncio.Event
) -> AsyncIterator[str]:
    """A snapshot, then what changed, until stopped or `max_seconds` (the browser reconnects
    and gets a fresh snapshot: there is nothing to resume in memory that a restart forgets)."""
    log = intake.chatter
    yield f"retry: {settings.retry_ms}\n\n"
    ends = time.monotonic() + settings.max_seconds
    quiet_since = time.monotonic()
    with log.watching(event_id) as changed:
        entries = log.recent(event_id, now=intake.clock())
        shown = {e.id for e in entries}
        yield sse(_listing(log, entries, names=names).model_dump(mode="json"), event="snapshot")
        while not stop.is_set() and time.monotonic() < ends:
            try:
                await asyncio.wait_for(
                    changed.wait(), min(_RECHECK_SECONDS, settings.heartbeat_seconds)
                )
            except TimeoutError:
                pass
            changed.clear()
            entries = log.recent(event_id, now=intake.clock())
            now_ids = {e.id for e in entries}
            added = [e for e in entries if e.id not in shown]
            gone = sorted(shown - now_ids)
            shown = now_ids
            if gone:
                yield sse({"ids": gone}, event="remove")
            if added:
                items = [chatter_out(e, names=names).model_dump(mode="json") for e in added]
                yield sse({"items": items}, event="add")
            if gone or added:
                quiet_since = time.monotonic()
            elif time.monotonic() - quiet_since >= settings.heartbeat_seconds:
                quiet_since = time.monotonic()
                yield ": heartbeat\n\n"


@router.post(
    "/events/{event_id}/chatter/{message_id}/promote", status_code=201, response_model=IngestOut
)
async def promote(
    event_id: EventIdPath,
    message_id: Annotated[int, Path(ge=1, le=2**63 - 1, description="the message's id")],
    session: SessionDep,
    user: RequireActor,
    intake: IntakeDep,
) -> IngestOut:
    """Make a message the detector set aside a question: ingested like any ask, with its
    platform, time and asker, and merged if it is a duplicate."""
    await get_event(session, event_id=event_id)
    entry = promote_entry(session, intake, event_id=event_id, message_id=message_id)
    try:
        [result] = await ingest(
            session,
            intake=intake,
            event_id=event_id,
            asks=[replace(entry.ask, force_question=True)],
            actor=user.actor,
        )
    except BaseException:
        intake.chatter.restore(entry)
        raise
    if result.question_id is None:
        intake.chatter.restore(entry)
        raise HTTPException(
            422,
            [
                {
                    "loc": ["path", "message_id"],
                    "msg": result.reason or f"could not be promoted ({result.outcome.value})",
                    "type": "value_error",
                }
            ],
        )
    question = await questions.get_question(session, question_id=result.question_id)
    merged = result.outcome in (Outcome.merged, Outcome.duplicate)
    return IngestOut(outcome="merged" if merged else "created", question=question_out(question))


def promote_entry(
    session: AsyncSession, intake: Intake, *, event_id: int, message_id: int
) -> ChatterMessage:
    """Take the message out of the panel for this promotion; it returns if the transaction
    rolls back. A message already promoted, expired or never seen is a 404 naming why."""
    entry = intake.chatter.take(event_id, message_id, now=intake.clock())
    if entry is None:
        raise HTTPException(
            404,
            f"chat message {message_id} is not in the panel: already promoted, older than "
            f"{int(intake.chatter.window.total_seconds() // 60)} minutes, or from before a restart",
        )

    committed = False

    def done(_sync: Session) -> None:
        nonlocal committed
        committed = True

    def put_back(_sync: Session, _previous: object) -> None:
        if not committed:
            intake.chatter.restore(entry)

    sa_event.listen(session.sync_session, "after_commit", done, once=True)
    sa_event.listen(session.sync_session, "after_soft_rollback", put_back, once=True)
    return entry
