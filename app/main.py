"""create_app(): lifespan (engine, sessions, ingestion state, collectors), routers, errors."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.ask.router import router as ask_router
from app.auth.middleware import WebSessionMiddleware
from app.auth.principals import TokenCheck
from app.auth.sessions import SessionStore
from app.auth.throttle import FailureThrottle
from app.auth.tokens import hash_token
from app.body_limit import BodyLimitMiddleware, route_limit
from app.dashboard import errors as dashboard_errors
from app.dashboard.assets import RevalidatedStaticFiles
from app.dashboard.router import STATIC
from app.dashboard.router import router as dashboard_router
from app.errors import API_ERRORS, method_not_allowed, validation_error
from app.events.router import router as events_router
from app.events.service import NotFound
from app.exports.router import router as exports_router
from app.health import outage
from app.health.router import router as health_router
from app.live.chatter import router as chatter_router
from app.live.feed import Feeds
from app.live.router import router as live_router
from app.live.service import LiveSettings, Streams
from app.live.settings import GuardSettings
from app.questions.cache import QueueCache
from app.questions.imports import ImportJobs
from app.questions.repository import BadCursor
from app.questions.router import router as questions_router
from app.questions.service import Conflict, FieldConflict, Repeated
from app.suggestions.router import router as suggestions_router
from app.telegram.router import router as telegram_router
from app.telegram.router import webhook_router as telegram_webhook_router
from app.tokens.router import router as tokens_router
from intake.ingest import EventNotFound, Intake
from intake.matching.encoder_process import EncoderProcess, load_model_apart
from intake.matching.suggest import Meaning
from intake.text.ahead import TextsAhead
from intake.text.language import detector
from kit import heap
from kit.db import make_engine, make_sessionmaker
from kit.listen import ChangeListener
from kit.migrate import head_revision
from kit.settings import ApiSettings, DatabaseSettings

log = logging.getLogger("liveq")

# A collector factory: given the app's session maker and intake, a started-later collector.
CollectorFactory = Callable[[async_sessionmaker[AsyncSession], Intake], Any]


def create_app(
    *,
    database: DatabaseSettings | None = None,
    api: ApiSettings | None = None,
    engine: AsyncEngine | None = None,
    sessionmaker: async_sessionmaker[AsyncSession] | None = None,
    intake: Intake | None = None,
    collectors: dict[str, CollectorFactory] | None = None,
    merge_log: Path | None = None,
) -> FastAPI:
    """The application; tests pass their own engine/session maker, serve passes collectors."""
    database = database or DatabaseSettings()
    api = api or ApiSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        own_engine = engine is None
        app.state.engine = engine or make_engine(database)
        app.state.sessionmaker = sessionmaker or make_sessionmaker(app.state.engine)
        app.state.collectors = {
            name: factory(app.state.sessionmaker, app.state.intake)
            for name, factory in (collectors or {}).items()
        }
        sqlite = app.state.engine.dialect.name == "sqlite"
        # Other processes' changes are heard on PostgreSQL; a test's own engine has no listener.
        listener = None if sqlite or engine is not None else ChangeListener(database)
        app.state.change_listener = listener
        if listener is not None:
            listener.start()
        app.state.feeds = app.state.streams.feeds = Feeds(
            app.state.sessionmaker,
            app.state.live,
            sqlite=sqlite,
            listening=(lambda: listener.healthy) if listener is not None else (lambda: False),
            on_outage=lambda exc: app.state.db_failures.failed("live streams paused", exc),
            guard=app.state.stream_guard,
        )
        app.state.queue_cache = QueueCache(
            signals_reach_us=(lambda: listener.healthy) if listener is not None else (lambda: False)
        )
        # Build the language detector now, not on the first question of the event.
        await asyncio.to_thread(detector)
        # The sentence encoder loads in the background: asks meanwhile get suggestions by words.
        meaning = app.state.intake.meaning
        if meaning is not None and not meaning.ready.is_set():
            threading.Thread(target=meaning.load, name="liveq-encoder", daemon=True).start()
        for name, collector in app.state.collectors.items():
            log.info("starting %s collector", name)
            await collector.start()
        heap.settle()  # the garbage collector's full passes skip what start-up built
        try:
            yield
        finally:
            app.state.streams.close_all()
            await app.state.feeds.close()
            await app.state.imports.close()
            for collector in app.state.collectors.values():
                await collector.stop()
            if listener is not None:
                await listener.stop()
            encoder = getattr(app.state.meaning, "encoder", None)
            if getattr(app.state, "own_encoder", False) and isinstance(encoder, EncoderProcess):
                await asyncio.to_thread(encoder.close)
            if app.state.intake.ahead is not None:
                await app.state.intake.ahead.close()
            if own_engine:
                await app.state.engine.dispose()

    app = FastAPI(
        title="liveq",
        version="0.1.0",
        summary="One calm, deduplicated question queue for live Q&A.",
        lifespan=lifespan,
    )
    app.state.api_settings = api
    app.state.database_settings = database
    if intake is None:
        # A flood's texts are read in a process of its own, started on the first one.
        intake = Intake(ahead=TextsAhead())
    app.state.intake = intake
    app.state.schema_head = head_revision(database)
    app.state.collectors = {}
    app.state.merge_log = merge_log
    if not api.semantic_suggestions:
        app.state.intake.meaning = None
    elif app.state.intake.meaning is None:
        # The model runs in a process of its own: its pure-Python tokenizer would otherwise
        # hold this process's interpreter lock for milliseconds per question.
        app.state.intake.meaning = Meaning(loader=load_model_apart)
        app.state.own_encoder = True
    app.state.meaning = app.state.intake.meaning
    clock = app.state.intake.clock
    app.state.tokens = TokenCheck(
        admin_token=api.admin_token, clock=clock, throttle=FailureThrottle(clock=clock)
    )
    app.state.web_sessions = SessionStore(
        tokens=app.state.tokens,
        clock=clock,
        admin_token_hash=hash_token(api.admin_token) if api.admin_token else None,
    )
    app.state.db_failures = outage.RepeatedFailures()
    app.state.live = LiveSettings()
    app.state.stream_guard = GuardSettings()
    app.state.streams = Streams()
    app.state.imports = ImportJobs()

    app.include_router(health_router)
    for router in (
        events_router,
        questions_router,
        suggestions_router,
        exports_router,
        live_router,
        tokens_router,
        chatter_router,
    ):
        app.include_router(router, responses=API_ERRORS)
    app.include_router(dashboard_router)
    app.include_router(ask_router)
    app.mount("/static", RevalidatedStaticFiles(directory=STATIC), name="static")
    app.add_middleware(WebSessionMiddleware)
    # Outermost: a body over the route's limit is refused before a session or token is read.
    app.add_middleware(
        BodyLimitMiddleware,
        limit_for=lambda method, path: route_limit(
            method, path, max_import_bytes=api.max_import_bytes
        ),
    )
    app.include_router(telegram_router, responses=API_ERRORS)
    app.include_router(telegram_webhook_router)
    _error_handlers(app)
    outage.install(app, app.state.db_failures)
    dashboard_errors.install(app)
    return app


def _error(status: int, field: str | None, message: str) -> JSONResponse:
    detail: list[dict[str, object]] | str = (
        [{"loc": field.split("."), "msg": message, "type": "value_error"}] if field else message
    )
    return JSONResponse({"detail": detail}, status_code=status)


def _error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(405, method_not_allowed)

    @app.exception_handler(NotFound)
    @app.exception_handler(EventNotFound)
    async def not_found(_: Request, exc: Exception) -> JSONResponse:
        message = str(exc) if isinstance(exc, NotFound) else f"event {exc} not found"
        return _error(404, None, message)

    @app.exception_handler(Conflict)
    async def conflict(_: Request, exc: Conflict) -> JSONResponse:
        return _error(409, None, str(exc))

    @app.exception_handler(FieldConflict)
    async def field_conflict(_: Request, exc: FieldConflict) -> JSONResponse:
        conflict = {"field": exc.field, "theirs": exc.theirs, "yours": exc.yours}
        return JSONResponse({"detail": str(exc), "conflict": conflict}, status_code=409)

    @app.exception_handler(Repeated)
    async def repeated(_: Request, exc: Repeated) -> JSONResponse:
        return JSONResponse({"detail": str(exc), "repeated": True}, status_code=409)

    @app.exception_handler(BadCursor)
    async def bad_cursor(_: Request, exc: BadCursor) -> JSONResponse:
        return _error(422, "query.cursor", str(exc))

    @app.exception_handler(IntegrityError)
    async def integrity(_: Request, exc: IntegrityError) -> JSONResponse:
        log.warning("integrity error: %s", type(exc.orig).__name__)
        return _error(409, None, "conflicting change: another request got there first; retry")
