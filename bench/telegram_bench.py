"""Telegram collector benchmark: fake Bot API → python-telegram-bot → queue.

    .venv/bin/python -m bench.telegram_bench [--updates 3000] [--latency 100] [--rounds 3]

Prints updates/s through the collector into the database, the same fake drained by a bare
python-telegram-bot Application whose handler does nothing (the ratio; both after a warm-up of
200 updates, so one-time costs such as connecting and compiling SQL are not counted), and the
end-to-end latency from an update being available to its question being committed (p50/p99).
LIVEQ_BENCH_DATABASE_URL (and LIVEQ_BENCH_DATABASE_SCHEMA) select PostgreSQL; default SQLite.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import logging
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from sqlalchemy import func, select, update
from telegram import Update
from telegram.ext import Application, TypeHandler

from bench.events import live_event
from collectors.telegram.run import ALLOWED_UPDATES, TelegramCollector
from collectors.telegram.settings import TelegramSettings
from fakes.telegram import FakeTelegram, chat, message, reaction, user
from intake.ingest import Intake
from kit.db import make_engine, make_sessionmaker
from kit.migrate import upgrade_to_head
from kit.settings import DatabaseSettings
from models import Ask, Event, EventStatus

_BOTS = itertools.count(700_001)
GROUP = chat(-1001000000001, title="Bench")
# Updates drained before the clock starts, on both sides of the ratio.
WARM_UP = 200
TOPICS = [
    "the budget",
    "the recording",
    "the venue",
    "parking",
    "the next session",
    "tickets",
    "the slides",
    "accessibility",
    "the speakers",
    "childcare",
]


def live_chat(n: int, start: int = 1, *, chatter_only: bool = False) -> list[dict[str, Any]]:
    """A live chat's mix: chatter, questions (many asked again), reactions."""
    updates: list[dict[str, Any]] = []
    for i in range(start, start + n):
        sender = user(10_000 + i % 1500, first_name=f"User{i % 1500}")
        kind = 9 if chatter_only else i % 10
        if kind < 3:
            topic = TOPICS[i % len(TOPICS)]
            text = (
                f"What about {topic}?"
                if i % 4
                else f"Question {i}: how will {topic} change in {2000 + i % 30}?"
            )
            updates.append(message(chat=GROUP, message_id=i, sender=sender, text=text))
        elif kind == 3 and i > 20:
            updates.append(reaction(chat=GROUP, message_id=i - 13, user_id=20_000 + i))
        else:
            updates.append(
                message(
                    chat=GROUP, message_id=i, sender=sender, text=f"greetings from city {i % 97} 👋"
                )
            )
    return updates


async def bare_rate(n: int) -> float:
    """Updates/s drained from the fake by a PTB Application whose handler does nothing."""
    async with FakeTelegram() as fake:
        done = asyncio.Event()
        left = 0

        async def nothing(update: Update, _context: Any) -> None:
            nonlocal left
            left -= 1
            if left == 0:
                done.set()

        async def drain(updates: list[dict[str, Any]]) -> float:
            """Seconds from pushing `updates` to the handler having seen them all."""
            nonlocal left
            done.clear()
            left = len(updates)
            fake.push(*updates)
            started = time.perf_counter()
            await asyncio.wait_for(done.wait(), 120)
            return time.perf_counter() - started

        app = Application.builder().token(fake.token).base_url(fake.base_url).build()
        app.add_handler(TypeHandler(Update, nothing))
        await app.initialize()
        assert app.updater is not None
        await app.updater.start_polling(timeout=1, allowed_updates=list(ALLOWED_UPDATES))
        await app.start()
        # Warm-up, as for the collector: connections, first requests, lazy imports.
        await drain(live_chat(WARM_UP, start=10_000_000))
        elapsed = await drain(live_chat(n))
        await app.updater.stop()
        await app.stop()
        await app.shutdown()
        return n / elapsed


async def collector_run(
    database: DatabaseSettings, n: int, latency_samples: int, chatter_only: bool = False
) -> tuple[float, list[float]]:
    engine = make_engine(database)
    maker = make_sessionmaker(engine)
    event_id = await live_event(maker, sources=[{"platform": "telegram", "chat_id": GROUP["id"]}])
    # A bot of its own each round: the fake's update ids start again, and the database's inbox
    # remembers where the last round's bot left off.
    bot = next(_BOTS)
    async with FakeTelegram(token=f"{bot}:bench", bot_id=bot) as fake:
        settings = TelegramSettings(
            telegram_bot_token=SecretStr(fake.token),
            telegram_api_url=fake.base_url,
            telegram_poll_timeout=1,
        )
        collector = TelegramCollector(settings, maker, Intake())
        await collector.start()
        await collector.wait_for(lambda s: s["state"] == "running", 10)
        # Warm-up: a first batch pays once for connections, lazy imports and compiling each
        # SQL statement; the figure is the steady state of a live chat.
        fake.push(*live_chat(WARM_UP, start=10_000_000))
        await collector.wait_for(lambda s: s["updates_processed"] >= WARM_UP, 60)
        n += WARM_UP

        fake.push(*live_chat(n - WARM_UP, chatter_only=chatter_only))
        started = time.perf_counter()
        await collector.wait_for(lambda s: s["updates_processed"] >= n, 300)
        rate = (n - WARM_UP) / (time.perf_counter() - started)

        # Latency: one question at a time on an idle collector, as in a calm live chat.
        latencies = []
        for k in range(latency_samples):
            i = 1_000_000 + k
            fake.push(
                message(
                    chat=GROUP,
                    message_id=i,
                    sender=user(30_000 + k),
                    text=f"Latency probe {k}: is question {k} visible?",
                )
            )
            pushed = time.perf_counter()
            expected = n + k + 1
            await collector.wait_for(lambda s: s["updates_processed"] >= expected, 10)  # noqa: B023
            latencies.append((time.perf_counter() - pushed) * 1000)
        await collector.stop()
        async with maker() as s:
            probes = await s.scalar(
                select(func.count())
                .select_from(Ask)
                .where(Ask.event_id == event_id, Ask.message_id.like("1______"))
            )
        assert probes == latency_samples, "every probe question must be in the database"
        # The next round's event must be the only one collecting from the chat.
        async with maker() as s, s.begin():
            await s.execute(
                update(Event).where(Event.id == event_id).values(status=EventStatus.ended)
            )
    await engine.dispose()
    return rate, latencies


def _database(tmp: Path) -> DatabaseSettings:
    url = os.environ.get("LIVEQ_BENCH_DATABASE_URL")
    if url:
        settings = DatabaseSettings(
            database_url=url, database_schema=os.environ.get("LIVEQ_BENCH_DATABASE_SCHEMA")
        )
    else:
        settings = DatabaseSettings(database_url=f"sqlite+aiosqlite:///{tmp / 'bench.db'}")
    upgrade_to_head(settings)
    return settings


def _spread(values: list[float]) -> str:
    return f"{min(values):.0f}–{max(values):.0f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=3000)
    parser.add_argument("--latency", type=int, default=100, help="latency samples a round")
    parser.add_argument("--rounds", type=int, default=3, help="bare and collector, alternating")
    parser.add_argument(
        "--chatter-only",
        action="store_true",
        help="no questions or votes: the collector's own overhead",
    )
    args, _ = parser.parse_known_args()  # `python -m bench telegram` passes its own words
    logging.basicConfig(level=logging.WARNING)
    # A shared machine's speed drifts from one second to the next: the two drains alternate,
    # round after round, and the medians are compared.
    bares: list[float] = []
    rates: list[float] = []
    latencies: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        database = _database(Path(tmp))
        backend = database.database_url.split("+")[0]
        for _ in range(args.rounds):
            bares.append(asyncio.run(bare_rate(args.updates)))
            rate, probes = asyncio.run(
                collector_run(database, args.updates, args.latency, args.chatter_only)
            )
            rates.append(rate)
            latencies += probes
    cuts = statistics.quantiles(latencies, n=100)
    bare, rate = statistics.median(bares), statistics.median(rates)
    print(f"database            {backend}")
    mix = "chatter only" if args.chatter_only else "30% questions, 10% reactions, 60% chatter"
    print(f"updates             {args.updates} ({mix}), {args.rounds} alternating rounds")
    print(f"bare PTB handler    {bare:8.0f} updates/s (median; {_spread(bares)})")
    print(f"collector → queue   {rate:8.0f} updates/s (median; {_spread(rates)})")
    ratios = ", ".join(f"{r / b:.0%}" for r, b in zip(rates, bares, strict=True))
    print(f"ratio               {rate / bare:.0%} of bare (medians; per round {ratios})")
    print(f"latency (n={len(latencies)})     p50 {cuts[49]:.1f} ms   p99 {cuts[98]:.1f} ms")
    print("targets             ≥500 updates/s, ≥50% of bare, p99 ≤250 ms")


if __name__ == "__main__":
    main()
