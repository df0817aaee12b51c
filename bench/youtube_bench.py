"""YouTube collector throughput and added latency, against the fake API on 127.0.0.1.

1. Bulk: PAGES pages of 2,000 messages. The bare googleapiclient fetching and parsing them
   vs the collector fetching, parsing, ingesting and committing them (messages/s, ratio, and
   the time from a page's arrival to its commit: target ≤ 1 s).
2. Live: small pages polled at a short interval; the latency the collector adds between a
   page's arrival and its questions being visible (committed): p50/p99, target p99 ≤ 250 ms.

Run: `.venv/bin/python -m bench.youtube_bench [--pages N] [--postgres]`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import secrets
import statistics
import tempfile
import time
from pathlib import Path

from googleapiclient.discovery import build
from pydantic import SecretStr

from bench.events import live_event
from collectors.youtube.parse import chat_page
from collectors.youtube.run import PageReport, YoutubeCollector
from collectors.youtube.settings import YoutubeSettings
from fakes.youtube import Author, FakeChat, FakeYoutube
from intake.ingest import Intake
from kit.db import make_engine, make_sessionmaker
from kit.migrate import upgrade_to_head
from kit.settings import DatabaseSettings
from models import Event, EventStatus

KEY = "bench-" + secrets.token_hex(8)
PG_URL = os.environ.get(
    "LIVEQ_BENCH_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
WORDS = (
    "budget vote charter election grant board app editor policy safety chapter volunteer "
    "donation banner strategy language hiring data center legal affiliate conference "
    "mobile search archive license community research privacy translation funding review "
    "movement steward council report training event partner"
).split()
CHATTER = [
    "hello from Lagos!",
    "great stream",
    "lol",
    "hi everyone",
    "👏👏👏",
    "first time here",
    "audio is fine now",
    "greetings from Berlin",
    "nice slides",
    "thanks Maggie",
]


def fill_chat(fake: FakeYoutube, chat: FakeChat, n: int, rng: random.Random) -> None:
    """n messages: about 40% questions (a third of them repeats), the rest chatter."""
    asked: list[str] = []
    for i in range(n):
        author = Author(f"UCviewer{rng.randrange(5000)}", f"Viewer {i}")
        roll = rng.random()
        if roll < 0.6:
            fake.post(chat, rng.choice(CHATTER), author=author)
        elif roll < 0.73 and asked:
            fake.post(chat, rng.choice(asked).lower().replace("?", "??"), author=author)
        elif roll < 0.78:
            fake.super_chat(
                chat,
                f"Will the {rng.choice(WORDS)} {rng.choice(WORDS)} work continue next year {i}?",
                channel_id=author.channel_id,
            )
        else:
            a, b, c = rng.sample(WORDS, 3)
            text = f"What happens to the {a} {b} plan {i} after the {c} review?"
            asked.append(text)
            fake.post(chat, text, author=author)


async def make_database(postgres: bool, tmp: Path) -> DatabaseSettings:
    if postgres:
        import asyncpg

        schema = f"liveq_ytbench_{secrets.token_hex(3)}"
        conn = await asyncpg.connect(PG_URL.replace("postgresql+asyncpg://", "postgresql://"))
        await conn.execute(f"CREATE SCHEMA {schema}")
        await conn.close()
        settings = DatabaseSettings(database_url=PG_URL, database_schema=schema)
    else:
        settings = DatabaseSettings(database_url=f"sqlite+aiosqlite:///{tmp / 'bench.db'}")
    await asyncio.to_thread(upgrade_to_head, settings)
    return settings


async def drop_database(settings: DatabaseSettings) -> None:
    if settings.database_schema:
        import asyncpg

        conn = await asyncpg.connect(PG_URL.replace("postgresql+asyncpg://", "postgresql://"))
        await conn.execute(f"DROP SCHEMA IF EXISTS {settings.database_schema} CASCADE")
        await conn.close()


async def add_event(sm, video: str) -> int:  # type: ignore[no-untyped-def]
    return await live_event(sm, paid_boost=2, sources=[{"platform": "youtube", "video": video}])


async def end_event(sm, event_id: int) -> None:  # type: ignore[no-untyped-def]
    async with sm() as s, s.begin():
        event = await s.get(Event, event_id)
        event.status = EventStatus.ended


def bare_fetch(url: str, live_chat_id: str, pages: int) -> tuple[int, float]:
    """The plain client reading and parsing `pages` pages from the start of the chat."""
    client = build(
        "youtube",
        "v3",
        developerKey=KEY,
        static_discovery=True,
        cache_discovery=False,
        client_options={"api_endpoint": url},
    )
    token: str | None = None
    messages = 0
    started = time.perf_counter()
    for _ in range(pages):
        kwargs = {"pageToken": token} if token else {}
        payload = (
            client.liveChatMessages()
            .list(
                liveChatId=live_chat_id, part="id,snippet,authorDetails", maxResults=2000, **kwargs
            )
            .execute()
        )
        page = chat_page(payload, live_chat_id=live_chat_id)
        messages += page.messages
        token = page.next_page_token
    return messages, time.perf_counter() - started


def settings_for(url: str, **extra: object) -> YoutubeSettings:
    return YoutubeSettings(
        youtube_api_key=SecretStr(KEY), youtube_api_endpoint=url, youtube_daily_quota=10**9, **extra
    )  # type: ignore[arg-type]


async def bulk(db: DatabaseSettings, pages: int) -> None:
    rng = random.Random(7)
    fake = FakeYoutube(api_key=KEY, daily_quota=10**9, enforce_interval=False)
    url = await fake.start()
    engine = make_engine(db)
    sm = make_sessionmaker(engine)
    try:
        chat = fake.add_video("benchVideo1", polling_interval_ms=0)
        fill_chat(fake, chat, pages * 2000, rng)
        chat.recent = len(chat.messages)  # the first read starts at the first message
        messages, bare_s = await asyncio.to_thread(bare_fetch, url, chat.live_chat_id, pages)
        bare_rate = messages / bare_s

        event_id = await add_event(sm, "benchVideo1")
        reports: list[PageReport] = []
        done = asyncio.Event()

        def on_page(report: PageReport) -> None:
            if report.messages:
                reports.append(report)
            if len(reports) >= pages:
                done.set()

        async def no_poll_wait(seconds: float) -> None:
            # Pages back to back; the 30 s rescan keeps its real pace.
            await asyncio.sleep(seconds if seconds >= 30 else 0)

        collector = YoutubeCollector(
            settings_for(url), sm, Intake(), sleep=no_poll_wait, on_page=on_page
        )
        started = time.perf_counter()
        await collector.start()
        await asyncio.wait_for(done.wait(), timeout=600)
        elapsed = time.perf_counter() - started
        await collector.stop()
        await end_event(sm, event_id)
        ingested = sum(r.messages for r in reports)
        per_page = [r.committed_at - r.received_at for r in reports]
        rate = ingested / elapsed
        print(f"bulk: {pages} pages x 2,000 messages ({ingested} messages)")
        print(f"  bare client fetch+parse : {bare_rate:10.0f} messages/s")
        print(
            f"  collector end to end    : {rate:10.0f} messages/s "
            f"(ratio {rate / bare_rate:.2f} of the bare client)"
        )
        print(
            f"  2,000-message page, arrival → committed: mean {statistics.mean(per_page):.3f} s,"
            f" max {max(per_page):.3f} s (target ≤ 1 s)"
        )
    finally:
        await fake.stop()
        await engine.dispose()


async def live(db: DatabaseSettings, polls: int, per_tick: int, tick: float) -> None:
    rng = random.Random(11)
    fake = FakeYoutube(api_key=KEY, daily_quota=10**9, enforce_interval=False)
    url = await fake.start()
    engine = make_engine(db)
    sm = make_sessionmaker(engine)
    try:
        chat = fake.add_video("benchVideo2", polling_interval_ms=int(tick * 1000))
        await add_event(sm, "benchVideo2")
        reports: list[PageReport] = []
        collector = YoutubeCollector(settings_for(url), sm, Intake(), on_page=reports.append)
        await collector.start()
        deadline = time.perf_counter() + 120  # bounded, whatever happens
        while len([r for r in reports if r.messages]) < polls and time.perf_counter() < deadline:
            fill_chat(fake, chat, per_tick, rng)
            await asyncio.sleep(tick)
        await collector.stop()
        pages = [r for r in reports if r.messages]
        added = sorted((r.committed_at - r.received_at) * 1000 for r in pages)
        p50 = added[len(added) // 2]
        p99 = added[min(len(added) - 1, int(len(added) * 0.99))]
        print(
            f"live: {per_tick / tick:.0f} messages/s in the chat, polled every {tick:g} s: "
            f"{len(pages)} pages, mean {statistics.mean(r.messages for r in pages):.0f} "
            "messages a page"
        )
        print(
            f"  added latency, page arrival → questions visible: p50 {p50:.1f} ms, "
            f"p99 {p99:.1f} ms (target p99 ≤ 250 ms)"
        )
    finally:
        await fake.stop()
        await engine.dispose()


async def run(pages: int, postgres: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = await make_database(postgres, Path(tmp))
        try:
            print(f"database: {'PostgreSQL' if postgres else 'SQLite'}")
            await bulk(db, pages)
            await live(db, polls=100, per_tick=20, tick=0.25)
        finally:
            await drop_database(db)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--pages", type=int, default=5)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args(argv if argv is not None else [])
    asyncio.run(run(args.pages, args.postgres))


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
