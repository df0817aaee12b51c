"""A live stream ends soon after its session is signed out or its token revoked, here or in
another process; one that stays signed in goes on."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta

import pytest

from app.auth.tokens import create_token
from intake.ingest import Intake
from kit.db import make_engine, make_sessionmaker
from models import Role
from tests.api_client import ADMIN, api_client
from tests.app.dashboard.conftest import browser_client, sign_in
from tests.app.dashboard.test_stream import parse


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 1, 18, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
async def db(fresh_db):
    """A database of this test's own: a stream polls while other requests run beside it."""
    engine = make_engine(fresh_db)
    yield engine, make_sessionmaker(engine)
    await engine.dispose()


def _guard(client):
    """Streams that only a sign-out ends within this test, looking at the clock often."""
    live = client.app.state.live
    live.max_seconds, live.poll_seconds = 15.0, 0.01
    guard = client.app.state.stream_guard
    guard.tick_seconds = 0.01
    return guard


async def _open(client, event_id, **kw):
    """The stream, running; the task ends when the stream does."""
    streams = client.app.state.streams
    before = len(streams)
    task = asyncio.create_task(client.get(f"/api/v1/events/{event_id}/stream", **kw))
    async with asyncio.timeout(10):
        await streams.wait_open(before + 1)
    return task


async def _ended(task):
    async with asyncio.timeout(10):
        r = await task
    assert r.status_code == 200, r.text
    return parse(r.text)


async def _event(engine, maker):
    async with api_client(engine, maker) as c:
        return (await c.post("/api/v1/events", json={"title": "t"})).json()["id"]


def _checks(store):
    """Each time the stream asks the store whether its session still holds: the answer."""
    answers: asyncio.Queue[bool] = asyncio.Queue()
    get = store.get

    async def counted(maker, session_id):
        found = await get(maker, session_id)
        answers.put_nowait(found is not None)
        return found

    store.get = counted
    return answers


class TestStreamsEnd:
    async def test_signed_out_in_another_tab(self, db):
        engine, maker = db
        clock = Clock()
        event_id = await _event(engine, maker)
        async with browser_client(engine, maker, intake=Intake(clock=clock)) as tab:
            csrf = await sign_in(tab)
            guard = _guard(tab)
            stream = await _open(tab, event_id)
            assert (await tab.post("/signout", data={"csrf": csrf})).status_code == 303
            clock.now += timedelta(seconds=guard.recheck_seconds)
            messages = await _ended(stream)
        assert messages[-1]["event"] == "signedout"

    async def test_signed_out_in_another_process_within_30_seconds(self, db):
        engine, maker = db
        clock = Clock()
        event_id = await _event(engine, maker)
        async with AsyncExitStack() as stack:
            here = await stack.enter_async_context(
                browser_client(engine, maker, intake=Intake(clock=clock))
            )
            there = await stack.enter_async_context(
                browser_client(engine, maker, intake=Intake(clock=clock))
            )
            csrf = await sign_in(here)
            guard = _guard(here)
            stream = await _open(here, event_id)
            there.cookies.set("liveq_session", here.cookies.get("liveq_session"))
            assert (await there.post("/signout", data={"csrf": csrf})).status_code == 303
            # What `here` cached of the session lasts its ttl and the stream checks every
            # recheck_seconds: at worst the sum, inside the 30 s promised.
            worst = here.app.state.web_sessions.ttl.total_seconds() + guard.recheck_seconds
            assert worst < 30
            clock.now += timedelta(seconds=worst)
            messages = await _ended(stream)
        assert messages[-1]["event"] == "signedout"

    async def test_a_revoked_bearer_token(self, db):
        engine, maker = db
        clock = Clock()
        event_id = await _event(engine, maker)
        async with maker() as s, s.begin():
            viewer = await create_token(s, role=Role.viewer, name="screen", now=clock())
        async with api_client(engine, maker, token=None, intake=Intake(clock=clock)) as c:
            guard = _guard(c)
            stream = await _open(c, event_id, headers={"Authorization": f"Bearer {viewer}"})
            admin = {"Authorization": f"Bearer {ADMIN}"}
            token_id = (await c.get("/api/v1/tokens", headers=admin)).json()[0]["id"]
            r = await c.post(f"/api/v1/tokens/{token_id}/revoke", headers=admin)
            assert r.status_code == 200
            clock.now += timedelta(seconds=guard.recheck_seconds)
            messages = await _ended(stream)
        assert messages[-1]["event"] == "signedout"

    async def test_a_stream_still_signed_in_goes_on(self, db):
        engine, maker = db
        clock = Clock()
        event_id = await _event(engine, maker)
        async with browser_client(engine, maker, intake=Intake(clock=clock)) as tab:
            await sign_in(tab)
            guard = _guard(tab)
            checks = _checks(tab.app.state.web_sessions)
            stream = await _open(tab, event_id)
            assert await checks.get()  # the middleware's, as the stream opened
            for _ in range(4):
                clock.now += timedelta(seconds=guard.recheck_seconds)
                async with asyncio.timeout(10):
                    assert await checks.get()  # the stream's: still signed in
            assert not stream.done()
            tab.app.state.streams.close_all()
            messages = await _ended(stream)
        assert all(m.get("event") != "signedout" for m in messages)
