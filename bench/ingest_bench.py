"""Ingest throughput through ingest() into SQLite and PostgreSQL, with 1k and 10k questions
already in the event. Run: `.venv/bin/python -m bench.ingest_bench [sizes...] [--backend sqlite]
[--batch 100]`."""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import secrets
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import text as sql

from bench.events import live_event
from bench.matching_bench import make_question, rephrase
from intake.asks import IncomingAsk
from intake.ingest import Intake, ingest
from kit.db import make_engine, make_sessionmaker
from kit.migrate import upgrade_to_head
from kit.settings import DatabaseSettings
from models import Platform

PG_URL = os.environ.get(
    "LIVEQ_BENCH_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)


def question_text(rng: random.Random, i: int) -> str:
    """A varied, realistic question (topics, names, places, years, several languages)."""
    return make_question(rng)


async def one_run(settings: DatabaseSettings, existing: int, batch: int, total: int) -> float:
    rng = random.Random(existing)
    engine = make_engine(settings)
    sm = make_sessionmaker(engine)
    intake = Intake()
    t0 = datetime(2026, 2, 15, 17, tzinfo=UTC)
    event_id = await live_event(sm)
    texts = [question_text(rng, i) for i in range(existing)]
    for start in range(0, existing, 1000):
        async with sm() as s, s.begin():
            await ingest(
                s,
                intake=intake,
                event_id=event_id,
                asks=[
                    IncomingAsk(
                        platform=Platform.telegram,
                        source_id="seed",
                        message_id=str(i),
                        text=texts[i],
                        asked_at=t0,
                        author_id=str(i),
                    )
                    for i in range(start, min(existing, start + 1000))
                ],
            )
    # Planner statistics as a running server has them: autovacuum analyzes a growing table
    # every minute or so, while this seeding took seconds.
    async with engine.connect() as conn:
        await conn.execute(sql("ANALYZE"))
        await conn.commit()
    # Half the new asks repeat an existing question in other words, half are new questions.
    asks = []
    for j in range(total):
        if j % 2 and texts:
            text = rephrase(rng, rng.choice(texts))
        else:
            text = question_text(rng, existing + j)
        asks.append(
            IncomingAsk(
                platform=Platform.youtube,
                source_id="live",
                message_id=f"m{j}",
                text=text,
                asked_at=t0 + timedelta(seconds=j),
                author_id=f"a{j % 500}",
            )
        )
    started = time.perf_counter()
    for start in range(0, total, batch):
        async with sm() as s, s.begin():
            await ingest(s, intake=intake, event_id=event_id, asks=asks[start : start + batch])
    elapsed = time.perf_counter() - started
    await engine.dispose()
    return total / elapsed


async def pg_schema(create: bool, name: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_URL.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await conn.execute(f"CREATE SCHEMA {name}" if create else f"DROP SCHEMA {name} CASCADE")
    finally:
        await conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.ingest_bench")
    parser.add_argument("sizes", nargs="*", type=int, default=[1_000, 10_000])
    parser.add_argument("--backend", action="append", choices=["sqlite", "postgres"])
    parser.add_argument("--batch", action="append", type=int, choices=[1, 100])
    args = parser.parse_args(sys.argv[1:] if __name__ == "__main__" else [])
    sizes, backends, batches = args.sizes, args.backend or ["sqlite", "postgres"], args.batch
    tmp = tempfile.mkdtemp(prefix="liveq-bench-")
    print(f"{'backend':<11}{'questions':>10}{'batch':>7}{'asks/s':>10}")
    try:
        for backend in backends:
            for existing in sizes:
                for batch in batches or (1, 100):
                    total = 500 if batch == 1 else 3000
                    if backend == "sqlite":
                        settings = DatabaseSettings(
                            database_url=f"sqlite+aiosqlite:///{tmp}/b{existing}-{batch}.db"
                        )
                        upgrade_to_head(settings)
                        rate = asyncio.run(one_run(settings, existing, batch, total))
                    else:
                        schema = f"liveq_bench_{secrets.token_hex(3)}"
                        try:
                            asyncio.run(pg_schema(True, schema))
                        except OSError as exc:
                            print(f"postgres skipped: {exc}")
                            break
                        try:
                            settings = DatabaseSettings(database_url=PG_URL, database_schema=schema)
                            upgrade_to_head(settings)
                            rate = asyncio.run(one_run(settings, existing, batch, total))
                        finally:
                            asyncio.run(pg_schema(False, schema))
                    print(f"{backend:<11}{existing:>10}{batch:>7}{rate:>10.0f}", flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
