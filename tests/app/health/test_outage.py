"""Database trouble, for real: PostgreSQL not listening, or frozen behind a paused proxy.

503 JSON with Retry-After instead of a 500; nothing waits without limit (/readyz neither);
one log line per kind of failure instead of a traceback per request; the service recovers.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from sqlalchemy.engine import make_url

from app.main import create_app
from intake.ingest import Intake
from kit.settings import ApiSettings, DatabaseSettings
from tests.api_client import ADMIN
from tests.app.health.proxy import PausableProxy

# Generous bounds for a slow machine: without limits these requests hung for minutes.
BOUND = 20


@asynccontextmanager
async def served(database: DatabaseSettings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(database=database, api=ApiSettings(admin_token=ADMIN), intake=Intake())
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://liveq.test",
            headers={"Authorization": f"Bearer {ADMIN}"},
        ) as client:
            client.app = app  # type: ignore[attr-defined]
            yield client


def _at_port(db: DatabaseSettings, port: int, **limits: float) -> DatabaseSettings:
    url = make_url(db.database_url).set(host="127.0.0.1", port=port)
    return db.model_copy(
        update={"database_url": url.render_as_string(hide_password=False), **limits}
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def pg(databases):
    if databases.backend != "postgres":
        pytest.skip("PostgreSQL outage: needs LIVEQ_TEST_POSTGRES_URL")
    return databases.new()


def assert_unavailable(r: httpx.Response) -> None:
    assert r.status_code == 503, r.text
    assert r.headers["content-type"] == "application/json"
    assert int(r.headers["retry-after"]) > 0 and "unavailable" in r.json()["detail"]


class TestDown:
    async def test_nothing_listening_answers_503_and_logs_once(self, pg, caplog):
        caplog.set_level(logging.WARNING)
        database = _at_port(pg, _free_port(), database_connect_timeout=2)
        async with served(database) as c, asyncio.timeout(BOUND):
            for _ in range(10):
                assert_unavailable(await c.get("/api/v1/events"))
                assert_unavailable(await c.post("/api/v1/events", json={"title": "t"}))
                garbage = {"Authorization": "Bearer lq_" + secrets.token_urlsafe(32)}
                assert_unavailable(await c.get("/api/v1/events", headers=garbage))
                c.cookies.set("liveq_session", "some-cookie")
                assert_unavailable(await c.get("/events", headers={"Authorization": ""}))
                c.cookies.clear()
                r = await c.get("/readyz")
                assert r.status_code == 503 and r.json() == {"status": "not ready"}
        lines = [r for r in caplog.records if r.name == "liveq.database"]
        assert len(lines) == 2, [r.getMessage() for r in lines]  # requests, readiness
        assert all(r.exc_info is None for r in caplog.records)
        assert "ConnectionRefusedError" in lines[0].getMessage()
        assert not any("Traceback" in r.getMessage() for r in caplog.records)


class TestFrozen:
    async def test_a_frozen_server_answers_503_in_bounded_time_then_recovers(self, pg):
        proxy = PausableProxy("127.0.0.1", make_url(pg.database_url).port or 5432)
        port = await proxy.start()
        database = _at_port(
            pg,
            port,
            database_connect_timeout=1,
            database_statement_timeout=1,
            database_pool_timeout=2,
        )
        try:
            async with served(database) as c, asyncio.timeout(BOUND * 3):
                r = await c.post("/api/v1/events", json={"title": "t"})
                assert r.status_code == 201, r.text
                event_id = r.json()["id"]
                assert (await c.get("/readyz")).status_code == 200
                proxy.pause()
                async with asyncio.timeout(BOUND):
                    answers = await asyncio.gather(
                        *(c.get(f"/api/v1/events/{event_id}/questions") for _ in range(8)),
                        c.post(f"/api/v1/events/{event_id}/questions", json={"text": "Up?"}),
                    )
                for r in answers:
                    assert_unavailable(r)
                async with asyncio.timeout(BOUND):
                    r = await c.get("/readyz")
                assert r.status_code == 503 and r.json() == {"status": "not ready"}
                proxy.resume()
                async with asyncio.timeout(BOUND):
                    while (await c.get(f"/api/v1/events/{event_id}/questions")).status_code != 200:
                        pass  # connections broken by the freeze are replaced
                assert (await c.get("/readyz")).status_code == 200
        finally:
            await proxy.stop()

    async def test_a_commit_that_fails_is_an_error_not_a_success(self, pg):
        """The server goes away just as the request commits: the caller must not read 201."""
        proxy = PausableProxy("127.0.0.1", make_url(pg.database_url).port or 5432)
        port = await proxy.start()
        database = _at_port(pg, port, database_connect_timeout=1, database_statement_timeout=1)
        try:
            async with served(database) as c, asyncio.timeout(BOUND * 2):
                proxy.cut_on = b"COMMIT"
                assert_unavailable(await c.post("/api/v1/events", json={"title": "Lost?"}))
                while (r := await c.get("/api/v1/events")).status_code != 200:
                    pass  # connections broken by the freeze are replaced
                assert r.json() == []  # nothing was stored, as the 503 said
        finally:
            await proxy.stop()

    async def test_a_live_stream_tells_the_page_to_come_back_later(self, pg):
        from tests.app.dashboard.test_stream import parse

        proxy = PausableProxy("127.0.0.1", make_url(pg.database_url).port or 5432)
        port = await proxy.start()
        database = _at_port(pg, port, database_connect_timeout=1, database_statement_timeout=1)
        try:
            async with served(database) as c, asyncio.timeout(BOUND * 2):
                event_id = (await c.post("/api/v1/events", json={"title": "t"})).json()["id"]
                live = c.app.state.live
                live.max_seconds, live.poll_seconds = 30.0, 0.01
                streams = c.app.state.streams
                stream = asyncio.create_task(c.get(f"/api/v1/events/{event_id}/stream"))
                await streams.wait_open()  # the route has read the event: streaming begins
                proxy.pause()
                r = await stream
            assert r.status_code == 200
            assert f"retry: {c.app.state.stream_guard.outage_retry_ms}\n" in r.text
            last = parse(r.text)[-1]
            assert last["event"] == "reconnect" and last["data"] == {
                "reason": "database unavailable"
            }
        finally:
            await proxy.stop()
