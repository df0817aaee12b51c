"""One change feed per event per process: fan-out, back-pressure, and changes heard from other
processes (PostgreSQL NOTIFY), including after the listener's connection is lost."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from app.live.render import Rendered
from app.live.subscriber import Subscriber
from tests.api_client import ADMIN
from tests.conftest import PG_URL

ROOT = Path(__file__).resolve().parents[3]
HEADERS = {"Authorization": f"Bearer {ADMIN}"}


@pytest.fixture
def server(databases):
    from tests.browser.server import LiveServer

    with ThreadPoolExecutor(1) as pool:
        db = pool.submit(databases.new).result()
    live = LiveServer(db).start()
    live.db = db
    try:
        yield live
    finally:
        live.stop()


def open_streams(url: str, event_id: int, n: int, until: str) -> list[str]:
    """n concurrent streams; each returns what it read up to the line holding `until`."""
    ready = threading.Barrier(n + 1, timeout=20)

    def one() -> str:
        body = ""
        with (
            httpx.Client(base_url=url, headers=HEADERS, timeout=20) as c,
            c.stream("GET", f"/api/v1/events/{event_id}/stream") as s,
        ):
            lines = s.iter_lines()
            for line in lines:
                if line.startswith("id: "):
                    break  # the hello
            ready.wait()
            for line in lines:
                body += line + "\n"
                if until in line:
                    break
        return body

    pool = ThreadPoolExecutor(n)
    futures = [pool.submit(one) for _ in range(n)]
    ready.wait()
    return futures, pool  # type: ignore[return-value]


class TestFanOut:
    def test_every_stream_gets_each_change_from_one_reader(self, server):
        with httpx.Client(base_url=server.url, headers=HEADERS, timeout=10) as c:
            event_id = c.post("/api/v1/events", json={"title": "t"}).json()["id"]
        futures, pool = open_streams(server.url, event_id, 24, "Is the feed shared?")
        with pool:
            feeds = server.app.state.feeds
            assert len(feeds) == 1
            [feed] = feeds._feeds.values()
            assert len(feed.subscribers) == 24
            reads_before = feed.reads
            server.ingest(event_id, ["Is the feed shared?"])
            bodies = [f.result(timeout=20) for f in futures]
        assert all("Is the feed shared?" in b for b in bodies)
        # One read rendered the change for all 24 (a few more for polls in between).
        assert feed.reads - reads_before < 24

    def test_the_feed_stops_with_its_last_stream(self, server):
        with httpx.Client(base_url=server.url, headers=HEADERS, timeout=10) as c:
            event_id = c.post("/api/v1/events", json={"title": "t"}).json()["id"]
            server.app.state.live.max_seconds = 0.3
            r = c.get(f"/api/v1/events/{event_id}/stream")
            assert "event: hello" in r.text
        assert len(server.app.state.feeds) == 0


class TestBackPressure:
    def test_a_stream_too_far_behind_is_told_to_refetch(self):
        async def run() -> Subscriber:
            sub = Subscriber(names=False, after=None, max_pending=3)
            batch = Rendered(
                {False: [(i, f"id: {i}\n\n") for i in (1, 2)], True: []}, "event: counts\n\n"
            )
            sub.push(batch, 2)  # 3 pending: at the limit
            sub.push(Rendered({False: [(3, "id: 3\n\n")], True: []}, "c\n\n"), 3)
            return sub

        sub = asyncio.run(run())
        assert list(sub.pending) == ['id: 3\nevent: reset\ndata: {"last":3}\n\n']

    def test_a_stream_behind_catches_up_in_one_write(self):
        async def run() -> tuple[str, Subscriber]:
            sub = Subscriber(names=False, after=None, max_pending=100)
            sub.push(Rendered({False: [(1, "id: 1\n\n")], True: []}, "c1\n\n"), 1)
            sub.push(Rendered({False: [(2, "id: 2\n\n")], True: []}, "c2\n\n"), 2)
            return sub.take(), sub

        chunk, sub = asyncio.run(run())
        # In order, the counts after each change; one chunk for the stream's one write.
        assert chunk == "id: 1\n\nc1\n\nid: 2\n\nc2\n\n"
        assert not sub.pending


class TestFairness:
    def test_a_change_fans_out_in_slices_letting_other_work_in_between(self):
        from app.live.feed import EventFeed, Published
        from app.live.settings import GuardSettings, LiveSettings

        async def run() -> tuple[list[int], list[Subscriber]]:
            feed = EventFeed(
                None,  # type: ignore[arg-type] - publishing reads nothing
                event_id=1,
                settings=LiveSettings(fan_out_slice=2),
                sqlite=True,
                fast_poll=lambda: True,
                on_outage=lambda exc: None,
                guard=GuardSettings(),
            )
            subs = [Subscriber(names=False, after=None, max_pending=100) for _ in range(5)]
            feed.subscribers.update(subs)
            woken_meanwhile: list[int] = []

            async def another_request() -> None:
                woken_meanwhile.append(sum(1 for s in subs if s.pending))

            other = asyncio.create_task(another_request())
            batch = Rendered({False: [(1, "id: 1\n\n")], True: []}, "c\n\n")
            await feed._publish(Published((1,), batch))
            await other
            return woken_meanwhile, subs

        woken_meanwhile, subs = asyncio.run(run())
        # The other request ran after the first slice of two, not after all five.
        assert woken_meanwhile == [2]
        assert all(list(s.pending) == ["id: 1\n\n", "c\n\n"] for s in subs)


WRITER = """
import asyncio, sys
from datetime import UTC, datetime
from intake.asks import IncomingAsk
from intake.ingest import Intake, ingest
from kit.db import make_engine, make_sessionmaker
from kit.settings import DatabaseSettings
from models import Platform

async def main():
    settings = DatabaseSettings(database_url=sys.argv[1], database_schema=sys.argv[2])
    engine = make_engine(settings)
    maker = make_sessionmaker(engine)
    ask = IncomingAsk(platform=Platform.telegram, source_id="-1", message_id=sys.argv[4],
                      text=sys.argv[5], asked_at=datetime.now(UTC), author_id="u1",
                      author_name=None, force_question=True)
    async with maker() as s, s.begin():
        await ingest(s, intake=Intake(), event_id=int(sys.argv[3]), asks=[ask])
    await engine.dispose()

asyncio.run(main())
"""


def write_from_another_process(server, event_id: int, message_id: str, text: str) -> None:
    db = server.db
    subprocess.run(
        [sys.executable, "-c", WRITER, db.database_url, db.database_schema, str(event_id)]
        + [message_id, text],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=True,
        timeout=60,
    )


@pytest.mark.skipif(PG_URL is None, reason="needs PostgreSQL (LIVEQ_TEST_POSTGRES_URL)")
class TestAcrossProcesses:
    @pytest.fixture
    def pg_server(self, server):
        if server.app.state.change_listener is None:
            pytest.skip("SQLite: no signals across processes (the feed polls)")
        # Polls so slow that only a signal can deliver within the test's time.
        server.app.state.live.listen_poll_seconds = 120
        listener = server.app.state.change_listener
        server.call(lambda: asyncio.wait_for(listener.connected.wait(), 15))
        return server

    def test_a_change_committed_by_another_process_arrives_by_notify(self, pg_server):
        server = pg_server
        with httpx.Client(base_url=server.url, headers=HEADERS, timeout=10) as c:
            event_id = c.post("/api/v1/events", json={"title": "t"}).json()["id"]
        futures, pool = open_streams(server.url, event_id, 2, "From the collector process?")
        with pool:
            write_from_another_process(server, event_id, "x1", "From the collector process?")
            bodies = [f.result(timeout=30) for f in futures]
        assert all("From the collector process?" in b for b in bodies)
        assert server.app.state.change_listener.heard >= 1

    def test_after_the_listener_reconnects_nothing_is_missed(self, pg_server):
        import asyncpg

        server = pg_server
        listener = server.app.state.change_listener
        with httpx.Client(base_url=server.url, headers=HEADERS, timeout=10) as c:
            event_id = c.post("/api/v1/events", json={"title": "t"}).json()["id"]
        futures, pool = open_streams(server.url, event_id, 1, "Made while deaf?")
        with pool:

            async def cut() -> None:
                conn = await asyncpg.connect(PG_URL.replace("+asyncpg", ""))
                try:
                    await conn.execute(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                        " WHERE application_name = 'liveq-listener' AND pid <> pg_backend_pid()"
                    )
                finally:
                    await conn.close()
                # Wait until the listener has noticed.
                for _ in range(200):
                    if not listener.healthy:
                        return
                    await asyncio.sleep(0.01)

            server.call(cut)
            write_from_another_process(server, event_id, "x2", "Made while deaf?")
            [body] = [f.result(timeout=30) for f in futures]
        assert "Made while deaf?" in body
        assert listener.healthy
