"""A source is read the moment it is added: wake-ups instead of rescans.

The collector's clock is frozen in these tests (and its rescan an hour away), so whatever it
reads, it reads because a change woke it, not because time passed.
"""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.events.schemas import EventCreate, EventPatch
from app.events.service import create_event, get_event, update_event
from fakes.youtube import FakeYoutube
from kit.db import make_engine, make_sessionmaker
from kit.settings import DatabaseSettings
from models import SourceState
from tests.collectors.youtube.conftest import KEY, VIDEO, World, eventually
from tests.conftest import Databases

OTHER = "9bZkp7q19f0"
ROOT = Path(__file__).resolve().parents[3]


def _frozen(world: World) -> None:
    world.vt.pause_when = lambda: True


async def _create(world: World, *videos: str) -> int:
    data = EventCreate.model_validate(
        {"title": "Woken", "sources": [{"platform": "youtube", "video": v} for v in videos]}
    )
    async with world.sessionmaker() as s, s.begin():
        event = await create_event(s, data=data, actor="test", now=datetime.now(UTC))
        return event.id


async def _patch(world: World, event_id: int, **changes: object) -> None:
    async with world.sessionmaker() as s, s.begin():
        event = await get_event(s, event_id=event_id)
        await update_event(
            s,
            event=event,
            data=EventPatch.model_validate(changes),
            actor="test",
            now=datetime.now(UTC),
        )


def _reads_of(world: World, video: str) -> int:
    chat_id = world.chat(video).live_chat_id
    return len([c for c in world.fake.calls("/messages") if c[2]["liveChatId"] == [chat_id]])


class TestInProcess:
    async def test_a_new_event_is_read_without_waiting_for_a_rescan(self, world: World):
        chat = world.fake.add_video(VIDEO)
        world.fake.post(chat, "Was this asked before the event existed?", channel_id="UCa")
        collector = await world.start_collector(youtube_rescan_seconds=3600.0)
        _frozen(world)
        event_id = await _create(world, VIDEO)

        async def stored():
            return await world.questions(event_id)

        [question] = await eventually(stored)
        assert question.text.startswith("Was this asked")
        assert world.fake.requests[0][0] == world.vt.now  # no time passed: woken, not rescanned
        assert [s["event_id"] for s in collector.status()["sources"]] == [event_id]

    async def test_a_source_added_to_an_event_is_read_at_once(self, world: World):
        world.fake.add_video(VIDEO)
        world.fake.add_video(OTHER)
        await world.start_collector(youtube_rescan_seconds=3600.0)
        _frozen(world)
        event_id = await _create(world, VIDEO)
        await world.chat_reads(1)
        await _patch(
            world,
            event_id,
            sources=[{"platform": "youtube", "video": v} for v in (VIDEO, OTHER)],
        )

        async def other_read():
            return _reads_of(world, OTHER) >= 1

        await eventually(other_read)

    async def test_a_changed_option_is_read_at_once(self, world: World):
        world.fake.add_video(VIDEO)
        collector = await world.start_collector(youtube_rescan_seconds=3600.0)
        event_id = await _create(world, VIDEO)
        await world.chat_reads(1)
        _frozen(world)
        [source] = collector._sources.values()
        assert source.include_moderators is False
        await _patch(world, event_id, include_moderators=True)

        async def changed():
            return source.include_moderators

        await eventually(changed)

    async def test_ending_an_event_stops_its_reads_at_once(self, world: World):
        world.fake.add_video(VIDEO)
        collector = await world.start_collector(youtube_rescan_seconds=3600.0)
        event_id = await _create(world, VIDEO)
        await world.chat_reads(1)
        _frozen(world)
        await _patch(world, event_id, status="ended")

        async def dropped():
            return collector.status()["sources"] == []

        await eventually(dropped)

        async def shown():
            source = await world.source(event_id)
            return source.state is SourceState.waiting and source

        assert "not live" in ((await eventually(shown)).state_reason or "")

    async def test_after_a_restart_every_live_source_is_read_at_start(self, world: World):
        world.fake.add_video(VIDEO)
        world.fake.add_video(OTHER)
        first, second = await world.event(VIDEO), await world.event(OTHER)
        _frozen(world)
        await world.start_collector(youtube_rescan_seconds=3600.0)

        async def both_read():
            return _reads_of(world, VIDEO) >= 1 and _reads_of(world, OTHER) >= 1

        await eventually(both_read)
        assert {c[0] for c in world.fake.requests} == {world.vt.now}
        assert (await world.source(first)).state is SourceState.active
        assert (await world.source(second)).state is SourceState.active


@pytest.fixture
def pg_db(databases: Databases) -> DatabaseSettings:
    if databases.backend != "postgres":
        pytest.skip("across processes needs PostgreSQL (set LIVEQ_TEST_POSTGRES_URL)")
    return databases.new()


class TestAcrossProcesses:
    async def test_a_collector_of_its_own_is_woken_by_notify(self, pg_db: DatabaseSettings):
        """`liveq collect youtube` in a process of its own; the event is created here."""
        fake = FakeYoutube(api_key=KEY, enforce_interval=False)
        url = await fake.start()
        chat = fake.add_video(VIDEO)
        fake.post(chat, "Did the other process hear about this event?", channel_id="UCa")
        env = {
            **os.environ,
            "LIVEQ_DATABASE_URL": pg_db.database_url,
            "LIVEQ_DATABASE_SCHEMA": pg_db.database_schema or "",
            "LIVEQ_YOUTUBE_API_KEY": KEY,
            "LIVEQ_YOUTUBE_API_ENDPOINT": url,
            "LIVEQ_YOUTUBE_RESCAN_SECONDS": "3600",
            "LIVEQ_TELEGRAM_BOT_TOKEN": "",
        }
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "app.cli",
            "collect",
            "youtube",
            cwd=ROOT,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        engine = make_engine(pg_db)
        sm = make_sessionmaker(engine)
        try:
            assert proc.stdout is not None
            async with asyncio.timeout(60):
                while b"collecting from youtube" not in (line := await proc.stdout.readline()):
                    assert line, "the collector exited before it started"
            assert fake.calls("/messages") == []  # nothing live yet: nothing read
            data = EventCreate.model_validate(
                {"title": "Elsewhere", "sources": [{"platform": "youtube", "video": VIDEO}]}
            )
            async with sm() as s, s.begin():
                event = await create_event(s, data=data, actor="test", now=datetime.now(UTC))

            async def read():
                return fake.calls("/messages")

            await eventually(read, within=20)
        finally:
            proc.terminate()
            await asyncio.wait_for(proc.wait(), 30)
            await fake.stop()
            await engine.dispose()
        assert proc.returncode == 0
        assert event.id
