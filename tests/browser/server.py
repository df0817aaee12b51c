"""A real liveq server for browser and streaming tests: uvicorn on 127.0.0.1, in a thread."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar

import uvicorn

from app.auth.tokens import Principal, create_token, hash_token
from app.main import create_app
from intake.asks import IncomingAsk
from intake.ingest import Intake, ingest
from kit.clock import Clock, utcnow
from kit.settings import ApiSettings, DatabaseSettings
from models import Platform, Role
from tests.api_client import ADMIN

T = TypeVar("T")


class LiveServer:
    """create_app() served by uvicorn on a random port; `call` runs coroutines on its loop."""

    def __init__(self, database: DatabaseSettings, *, clock: Clock = utcnow) -> None:
        # Suggestions by words alone: the same on every run (the encoder loads in the background,
        # so which asks it sees would depend on timing); tests/app covers suggestions by meaning.
        # `clock` is the server's time (the app's, and the asks' that `ingest` makes).
        self.app = create_app(
            database=database,
            api=ApiSettings(admin_token=ADMIN, semantic_suggestions=False),
            intake=Intake(clock=clock),
        )
        config = uvicorn.Config(
            self.app, host="127.0.0.1", port=0, log_level="warning", lifespan="on", ws="none"
        )
        self.server = uvicorn.Server(config)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self._n = 0

    def clock(self) -> datetime:
        """The server's time now."""
        return self.app.state.intake.clock()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_until_complete(self.server.serve())

    def start(self) -> LiveServer:
        self.thread.start()
        started = threading.Event()

        def check() -> None:
            if self.server.started:
                started.set()
            else:
                self.loop.call_later(0.01, check)

        # Polling on the server's own loop: no sleeps in the test thread.
        self.loop.call_soon_threadsafe(check)
        if not started.wait(15):
            raise RuntimeError("the test server did not start")
        port = self.server.servers[0].sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        return self

    def stop(self) -> None:
        # Open streams would keep uvicorn waiting for their connections to close.
        self.loop.call_soon_threadsafe(self.app.state.streams.close_all)
        self.server.should_exit = True
        self.thread.join(15)

    def call(self, make: Callable[[], Awaitable[T]], timeout: float = 15) -> T:
        async def run() -> T:
            return await make()

        return asyncio.run_coroutine_threadsafe(run(), self.loop).result(timeout)

    def session(self, fn: Callable[[Any], Awaitable[T]]) -> T:
        """fn(session) in one committed transaction on the server's database."""

        async def run() -> T:
            async with self.app.state.sessionmaker() as s, s.begin():
                return await fn(s)

        return self.call(run)

    def sign_in(self, role: Role = Role.admin) -> str:
        """A session id for the cookie, as a sign-in would make (a viewer has a real token)."""
        if role is Role.admin:
            principal, token_hash = Principal(actor="admin", role=Role.admin), hash_token(ADMIN)
        else:
            token = self.token(role)
            principal = Principal(actor=f"test {role.value}", role=role)
            token_hash = hash_token(token)
        store = self.app.state.web_sessions
        maker = self.app.state.sessionmaker
        return self.call(lambda: store.open(maker, principal, token_hash=token_hash)).id

    def token(self, role: Role) -> str:
        return self.session(
            lambda s: create_token(s, role=role, name=f"test {role.value}", now=self.clock())
        )

    def ingest(
        self,
        event_id: int,
        texts: Sequence[str],
        *,
        platform: Platform = Platform.telegram,
        authors: Sequence[str | None] | None = None,
        paid: bool = False,
    ) -> list[int]:
        """Ingest messages as a collector would; the question ids."""
        asks = []
        for i, text in enumerate(texts):
            self._n += 1
            asks.append(
                IncomingAsk(
                    platform=platform,
                    source_id="-100777",
                    message_id=f"m{self._n}",
                    text=text,
                    asked_at=self.clock(),
                    author_id=f"u{self._n}",
                    author_name=(authors[i] if authors else None),
                    paid=paid,
                    force_question=True,
                )
            )
        intake = self.app.state.intake
        results = self.session(lambda s: ingest(s, intake=intake, event_id=event_id, asks=asks))
        return [r.question_id for r in results if r.question_id is not None]
