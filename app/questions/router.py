"""/api/v1 question routes: the queue, hand-added questions, imports and the host's actions."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Hashable
from typing import Annotated, Literal

from fastapi import (
    APIRouter,
    File,
    Header,
    HTTPException,
    Query,
    Request,
    Response,
    UploadFile,
    status,
)

from app.deps import (
    CurrentUser,
    IntakeDep,
    MeaningDep,
    RequireActor,
    SessionDep,
    SettingsDep,
)
from app.errors import ErrorOut
from app.events.names import reveal_names
from app.events.service import get_event, require_event
from app.fields import AskIdPath, EventIdPath, QuestionIdPath
from app.live.render import last_entry_id, tab_counts
from app.questions import imports, service, shapes
from app.questions import similar as similar_questions
from app.questions.cache import QueueCache
from app.questions.imports import ImportJobs, TooManyImports
from app.questions.repository import PageQuery
from app.questions.schemas import (
    ImportJobOut,
    IngestOut,
    MergeIn,
    QuestionCreate,
    QuestionOut,
    QuestionPage,
    QuestionPatch,
    SimilarList,
    SimilarOut,
)
from collectors.manual.importer import ImportFileError, parse_import
from intake.matching.index import SUGGEST_LIMIT
from kit.db import read_only
from models import QuestionStatus

router = APIRouter(prefix="/api/v1", tags=["questions"])

DEFAULT_STATUSES = "pending,open,on_air"
_ONE_STATUS = "(" + "|".join(s.value for s in QuestionStatus) + ")"
STATUSES_PATTERN = f"^(all|{_ONE_STATUS}(,{_ONE_STATUS})*)$"
Authors = Annotated[Literal["none", "names"], Query(description="askers' names: off by default")]


def parse_statuses(raw: str) -> list[QuestionStatus]:
    if raw.strip() == "all":
        return list(QuestionStatus)
    try:
        return [QuestionStatus(part.strip()) for part in raw.split(",") if part.strip()]
    except ValueError as exc:
        allowed = ", ".join(s.value for s in QuestionStatus)
        raise HTTPException(
            422,
            [
                {
                    "loc": ["query", "status"],
                    "msg": f"unknown status; use all or {allowed}",
                    "type": "value_error",
                }
            ],
        ) from exc


@router.get(
    "/events/{event_id}/questions",
    response_model=QuestionPage,
    responses={304: {"description": "Not modified: the page is the one the ETag names"}},
)
async def list_questions(
    event_id: EventIdPath,
    request: Request,
    user: CurrentUser,
    status_: Annotated[
        str,
        Query(
            alias="status",
            max_length=200,
            pattern=STATUSES_PATTERN,
            description="one status, several comma-separated, or all",
        ),
    ] = DEFAULT_STATUSES,
    sort: Literal["score", "time"] = "score",
    q: Annotated[str | None, Query(max_length=200)] = None,
    platform: Literal["telegram", "youtube", "manual", "email", "web"] | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    authors: Authors = "none",
    suggested: Annotated[
        bool, Query(description="only questions with an open suggestion (the review lane)")
    ] = False,
    if_none_match: Annotated[str | None, Header(max_length=200)] = None,
) -> Response:
    """The queue in the host's order, a page at a time; served from memory while the event
    has not changed, with an ETag (If-None-Match → 304)."""
    statuses = parse_statuses(status_)
    maker = request.app.state.sessionmaker
    if authors == "names":  # only some may: ask the event (names are rare, and never cached
        # past a change of who may see them: that change moves the event's version)
        async with maker() as session:
            await read_only(session)
            reveal_names(user, await get_event(session, event_id=event_id), authors)
    query = PageQuery(
        event_id=event_id,
        statuses=tuple(statuses),
        sort=sort,
        search=q,
        platform=platform,
        limit=limit,
        cursor=cursor,
        suggested=suggested,
    )

    async def build() -> tuple[bytes, int]:
        async with maker() as session:
            await read_only(session)
            position = await last_entry_id(session, event_id=event_id)
            await require_event(session, event_id=event_id)
            page = await shapes.queue_page_fast(session, query, names=authors == "names")
        return page.model_dump_json().encode(), position

    return await _from_memory(request, (query, authors), event_id, build, if_none_match)


@router.get(
    "/events/{event_id}/counts",
    response_model=dict[str, int],
    responses={304: {"description": "Not modified: the counts are the ones the ETag names"}},
)
async def counts(
    event_id: EventIdPath,
    request: Request,
    _user: CurrentUser,
    if_none_match: Annotated[str | None, Header(max_length=200)] = None,
) -> Response:
    """Questions per status (the dashboard's tabs), and `as_of`: the stream position (SSE event
    id) they include at least. Served from memory while the event has not changed, as the
    queue's pages are (every screen refetches them after a change), with an ETag."""
    maker = request.app.state.sessionmaker

    async def build() -> tuple[bytes, int]:
        async with maker() as session:
            await read_only(session)
            await require_event(session, event_id=event_id)
            found = await tab_counts(session, event_id=event_id)
        return json.dumps(found, separators=(",", ":")).encode(), found["as_of"]

    return await _from_memory(request, ("counts", event_id), event_id, build, if_none_match)


async def _from_memory(
    request: Request,
    key: Hashable,
    event_id: int,
    build: Callable[[], Awaitable[tuple[bytes, int]]],
    if_none_match: str | None,
) -> Response:
    """`build`'s JSON (and the audit trail's position it includes), kept by the queue cache
    while the event has not changed (app/questions/cache.py), with its ETag; 304 for a client
    that has it."""
    maker = request.app.state.sessionmaker
    cache: QueueCache = request.app.state.queue_cache

    async def position() -> int:
        async with maker() as session:
            await read_only(session)
            return await last_entry_id(session, event_id=event_id)

    page = await cache.page(key, event_id=event_id, build=build, position=position)
    headers = {"ETag": page.etag, "Cache-Control": "private, no-cache"}
    if if_none_match is not None and page.etag in if_none_match:
        return Response(status_code=304, headers=headers)
    return Response(page.body, media_type="application/json", headers=headers)


@router.post(
    "/events/{event_id}/questions", status_code=status.HTTP_201_CREATED, response_model=IngestOut
)
async def add_question(
    event_id: EventIdPath,
    data: QuestionCreate,
    session: SessionDep,
    user: RequireActor,
    intake: IntakeDep,
) -> IngestOut:
    result = await service.add_by_hand(
        session,
        intake=intake,
        event_id=event_id,
        text=data.text,
        author=data.author,
        source=data.source,
        actor=user.actor,
    )
    if result.question_id is None:
        raise HTTPException(
            422,
            [
                {
                    "loc": ["body", "text"],
                    "msg": result.reason or "not a question",
                    "type": "value_error",
                }
            ],
        )
    question = await service.get_question(session, question_id=result.question_id)
    return IngestOut(outcome=result.outcome.value, question=shapes.question_out(question))


@router.post(
    "/events/{event_id}/import",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=ImportJobOut,
    responses={
        202: {
            "description": "the import started; its progress at `Location`",
            "headers": {
                "Location": {
                    "description": "/api/v1/imports/{id}: the job's progress, then its report",
                    "schema": {"type": "string"},
                }
            },
        },
        200: {"model": ImportJobOut, "description": "with `wait=true`: the finished import"},
        404: {"model": ErrorOut, "description": "no such event"},
        413: {"model": ErrorOut, "description": "the file is larger than LIVEQ_MAX_IMPORT_BYTES"},
        422: {"model": ErrorOut, "description": "the file cannot be read; `msg` names the problem"},
        429: {"description": "imports already running; try again after Retry-After seconds"},
    },
)
async def import_questions(
    event_id: EventIdPath,
    request: Request,
    response: Response,
    user: RequireActor,
    intake: IntakeDep,
    settings: SettingsDep,
    file: Annotated[UploadFile, File(description="CSV or JSON of questions sent in before")],
    wait: Annotated[
        bool, Query(description="answer when the import is done (200) instead of at once (202)")
    ] = False,
) -> ImportJobOut:
    """Import a file of questions in the background: 202 with the job at once (its progress at
    `Location`, /api/v1/imports/{id}), or with `wait=true` 200 with the finished report. The
    file is read whole first: a file that cannot be read is refused (422) and nothing is
    imported."""
    jobs: ImportJobs = request.app.state.imports
    maker = request.app.state.sessionmaker
    await imports.ensure_event(maker, event_id=event_id)
    data = await file.read(settings.max_import_bytes + 1)
    if len(data) > settings.max_import_bytes:
        raise HTTPException(
            status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
            f"file: larger than {settings.max_import_bytes} bytes",
        )
    try:
        # Parsing 5 MB takes seconds of CPU: in a thread, so the service keeps answering.
        parsed = await asyncio.to_thread(
            parse_import, data, filename=file.filename or "upload", now=intake.clock()
        )
    except ImportFileError as exc:
        raise HTTPException(
            422, [{"loc": ["body", "file"], "msg": str(exc), "type": "value_error"}]
        ) from exc
    try:
        job = jobs.start(
            sessionmaker=maker, intake=intake, event_id=event_id, parsed=parsed, actor=user.actor
        )
    except TooManyImports as exc:
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            "imports are running already; try again when one is done",
            headers={"Retry-After": "10"},
        ) from exc
    if wait:
        await job.wait()
        response.status_code = status.HTTP_200_OK
    else:
        response.headers["Location"] = f"/api/v1/imports/{job.id}"
    return imports.job_out(job)


@router.get(
    "/imports/{job_id}",
    response_model=ImportJobOut,
    responses={
        404: {
            "model": ErrorOut,
            "description": "no such import, or its report expired (kept an hour)",
        }
    },
)
async def import_progress(job_id: str, request: Request, _user: RequireActor) -> ImportJobOut:
    """An import's progress (rows processed of rows, counts so far), then its report."""
    job = request.app.state.imports.get(job_id)
    if job is None:
        raise HTTPException(404, "no such import (reports are kept an hour)")
    return imports.job_out(job)


@router.get("/questions/{question_id}", response_model=QuestionOut)
async def get_question(
    question_id: QuestionIdPath, session: SessionDep, user: CurrentUser, authors: Authors = "none"
) -> QuestionOut:
    question = await service.get_question(session, question_id=question_id)
    names = authors == "names" and reveal_names(
        user, await get_event(session, event_id=question.event_id), authors
    )
    return shapes.question_out(question, names=names)


@router.get("/questions/{question_id}/similar", response_model=SimilarList)
async def similar(
    question_id: QuestionIdPath,
    session: SessionDep,
    user: CurrentUser,
    intake: IntakeDep,
    meaning: MeaningDep,
    limit: Annotated[int, Query(ge=1, le=20)] = SUGGEST_LIMIT,
    authors: Authors = "none",
) -> SimilarList:
    """Questions that may say the same, most alike first: to merge by hand. The matcher merges
    at its own threshold by itself; these are the ones below it, for a moderator to judge."""
    question = await service.get_question(session, question_id=question_id)
    names = authors == "names" and reveal_names(
        user, await get_event(session, event_id=question.event_id), authors
    )
    found = await similar_questions.similar(
        session, intake=intake, question=question, limit=limit, meaning=meaning
    )
    return SimilarList(
        items=[
            SimilarOut(question=shapes.question_out(q, names=names), score=score, by=by)
            for q, score, by in found
        ]
    )


@router.patch("/questions/{question_id}", response_model=QuestionOut)
async def patch_question(
    question_id: QuestionIdPath,
    data: QuestionPatch,
    session: SessionDep,
    user: RequireActor,
    intake: IntakeDep,
) -> QuestionOut:
    question = await service.take_question(session, intake=intake, question_id=question_id)
    question = await service.change(
        session, intake=intake, question=question, data=data, actor=user.actor
    )
    return shapes.question_out(question)


@router.post("/questions/{question_id}/upvote", response_model=QuestionOut)
async def upvote(
    question_id: QuestionIdPath,
    session: SessionDep,
    user: RequireActor,
    intake: IntakeDep,
    once: bool = False,
) -> QuestionOut:
    """+1 from the room (each call counts); ?once=1: the caller's own +1, counted once (a
    second is refused with 409)."""
    question = await service.take_question(session, intake=intake, question_id=question_id)
    await service.upvote(session, intake=intake, question=question, actor=user.actor, once=once)
    return shapes.question_out(question)


@router.post("/questions/{question_id}/merge", response_model=QuestionOut)
async def merge(
    question_id: QuestionIdPath,
    data: MergeIn,
    request: Request,
    session: SessionDep,
    user: RequireActor,
    intake: IntakeDep,
) -> QuestionOut:
    question = await service.take_question(session, intake=intake, question_id=question_id)
    target = await service.merge(
        session,
        intake=intake,
        question=question,
        into_id=data.into,
        actor=user.actor,
        merge_log=request.app.state.merge_log,
    )
    return shapes.question_out(target)


@router.post("/asks/{ask_id}/split", response_model=QuestionOut)
async def split(
    ask_id: AskIdPath, request: Request, session: SessionDep, user: RequireActor, intake: IntakeDep
) -> QuestionOut:
    question = await service.split(
        session,
        intake=intake,
        ask_id=ask_id,
        actor=user.actor,
        merge_log=request.app.state.merge_log,
    )
    return shapes.question_out(question)
