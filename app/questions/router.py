"""/api/v1 question routes: the queue, hand-added questions, imports and the host's actions."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, File, HTTPException, Query, Request, UploadFile, status

from app.deps import (
    CurrentUser,
    IntakeDep,
    MeaningDep,
    RequireActor,
    SessionDep,
    SettingsDep,
)
from app.events.service import get_event
from app.live.service import tab_counts
from app.questions import repository, service
from app.questions.schemas import (
    ImportRejection,
    ImportReport,
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
from intake.asks import Outcome
from intake.ingest import ingest
from intake.matching.index import SUGGEST_LIMIT
from models import QuestionStatus

router = APIRouter(prefix="/api/v1", tags=["questions"])

DEFAULT_STATUSES = "pending,open,on_air"
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


@router.get("/events/{event_id}/questions", response_model=QuestionPage)
async def list_questions(
    event_id: int,
    session: SessionDep,
    _user: CurrentUser,
    status_: Annotated[str, Query(alias="status")] = DEFAULT_STATUSES,
    sort: Literal["score", "time"] = "score",
    q: Annotated[str | None, Query(max_length=200)] = None,
    platform: Literal["telegram", "youtube", "manual", "email", "web"] | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    authors: Authors = "none",
) -> QuestionPage:
    await get_event(session, event_id=event_id)
    page = await repository.page_questions(
        session,
        event_id=event_id,
        statuses=parse_statuses(status_),
        sort=sort,
        search=q,
        platform=platform,
        limit=limit,
        cursor=cursor,
    )
    names = authors == "names"
    return QuestionPage(
        items=[service.question_out(x, names=names) for x in page.items],
        next_cursor=page.next_cursor,
    )


@router.get("/events/{event_id}/counts")
async def counts(event_id: int, session: SessionDep, _user: CurrentUser) -> dict[str, int]:
    """Questions per status (the dashboard's tabs), and `as_of`: the stream position (SSE event
    id) they include at least."""
    await get_event(session, event_id=event_id)
    return await tab_counts(session, event_id=event_id)


@router.post(
    "/events/{event_id}/questions", status_code=status.HTTP_201_CREATED, response_model=IngestOut
)
async def add_question(
    event_id: int, data: QuestionCreate, session: SessionDep, user: RequireActor, intake: IntakeDep
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
    return IngestOut(outcome=result.outcome.value, question=service.question_out(question))


@router.post("/events/{event_id}/import", response_model=ImportReport)
async def import_questions(
    event_id: int,
    session: SessionDep,
    user: RequireActor,
    intake: IntakeDep,
    settings: SettingsDep,
    file: Annotated[UploadFile, File(description="CSV or JSON of questions sent in before")],
) -> ImportReport:
    await get_event(session, event_id=event_id)
    data = await file.read(settings.max_import_bytes + 1)
    if len(data) > settings.max_import_bytes:
        raise HTTPException(
            status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
            f"file: larger than {settings.max_import_bytes} bytes",
        )
    try:
        parsed = parse_import(data, filename=file.filename or "upload", now=intake.clock())
    except ImportFileError as exc:
        raise HTTPException(
            422, [{"loc": ["body", "file"], "msg": str(exc), "type": "value_error"}]
        ) from exc
    results = await ingest(
        session,
        intake=intake,
        event_id=event_id,
        asks=[a for _, a in parsed.asks],
        actor=user.actor,
    )
    rejected = [ImportRejection(line=r.line, reason=r.reason) for r in parsed.rejected]
    rejected += [
        ImportRejection(line=line, reason=res.reason or res.outcome.value)
        for (line, _), res in zip(parsed.asks, results, strict=True)
        if res.outcome in (Outcome.rejected, Outcome.chatter)
    ]
    tally = [r.outcome for r in results]
    return ImportReport(
        imported=tally.count(Outcome.created),
        merged=tally.count(Outcome.merged),
        duplicates=tally.count(Outcome.duplicate),
        rejected=sorted(rejected, key=lambda r: r.line),
    )


@router.get("/questions/{question_id}", response_model=QuestionOut)
async def get_question(
    question_id: int, session: SessionDep, _user: CurrentUser, authors: Authors = "none"
) -> QuestionOut:
    question = await service.get_question(session, question_id=question_id)
    return service.question_out(question, names=authors == "names")


@router.get("/questions/{question_id}/similar", response_model=SimilarList)
async def similar(
    question_id: int,
    session: SessionDep,
    _user: CurrentUser,
    intake: IntakeDep,
    meaning: MeaningDep,
    limit: Annotated[int, Query(ge=1, le=20)] = SUGGEST_LIMIT,
    authors: Authors = "none",
) -> SimilarList:
    """Questions that may say the same, most alike first: to merge by hand. The matcher merges
    at its own threshold by itself; these are the ones below it, for a moderator to judge."""
    question = await service.get_question(session, question_id=question_id)
    found = await service.similar(
        session, intake=intake, question=question, limit=limit, meaning=meaning
    )
    names = authors == "names"
    return SimilarList(
        items=[
            SimilarOut(question=service.question_out(q, names=names), score=score, by=by)
            for q, score, by in found
        ]
    )


@router.patch("/questions/{question_id}", response_model=QuestionOut)
async def patch_question(
    question_id: int,
    data: QuestionPatch,
    session: SessionDep,
    user: RequireActor,
    intake: IntakeDep,
) -> QuestionOut:
    question = await service.take_question(session, intake=intake, question_id=question_id)
    question = await service.change(
        session, intake=intake, question=question, data=data, actor=user.actor
    )
    return service.question_out(question)


@router.post("/questions/{question_id}/upvote", response_model=QuestionOut)
async def upvote(
    question_id: int,
    session: SessionDep,
    user: RequireActor,
    intake: IntakeDep,
    once: bool = False,
) -> QuestionOut:
    """+1 from the room (each call counts); ?once=1: the caller's own +1, counted once (a
    second is refused with 409)."""
    question = await service.take_question(session, intake=intake, question_id=question_id)
    await service.upvote(session, intake=intake, question=question, actor=user.actor, once=once)
    return service.question_out(question)


@router.post("/questions/{question_id}/merge", response_model=QuestionOut)
async def merge(
    question_id: int,
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
    return service.question_out(target)


@router.post("/asks/{ask_id}/split", response_model=QuestionOut)
async def split(
    ask_id: int, request: Request, session: SessionDep, user: RequireActor, intake: IntakeDep
) -> QuestionOut:
    question = await service.split(
        session,
        intake=intake,
        ask_id=ask_id,
        actor=user.actor,
        merge_log=request.app.state.merge_log,
    )
    return service.question_out(question)
