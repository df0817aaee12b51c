"""The live path as a client sees it, against `liveq serve` in a process of its own:

1. reads: GET the top 100 of an event of 10,000 questions against GET /healthz, same server,
   same client (requests/s, p50, p99), then again while 20 changes a second arrive;
2. streams: 1,000 concurrent SSE clients on one worker: the service's CPU and its reads of the
   audit trail while they sit idle (against one client), then delivery latency (post → every
   client has it) at 20 changes a second.

Run: `.venv/bin/python -m bench.feed_bench [sqlite|postgres] [questions] [clients]
[--delivery-only] [--seconds=S]`: `--delivery-only` skips the reads (phase 1) and the idle
measures, for profiling the fan-out (the service's pid is printed, for `py-spy record -p`);
`--seconds` is how long changes arrive during delivery (10 by default).
"""

from __future__ import annotations

import asyncio
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp

from bench.events import live_event
from intake.asks import IncomingAsk
from intake.ingest import Intake, ingest
from kit.db import make_engine, make_sessionmaker
from kit.migrate import upgrade_to_head
from kit.settings import DatabaseSettings
from models import Platform

ADMIN = "bench-live-admin-token-0123456789"
AUTH = {"Authorization": f"Bearer {ADMIN}"}
PG_URL = os.environ.get("LIVEQ_BENCH_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1/test")
WORDS = (
    "budget vote charter election grant board app editor policy safety wikimania chapter "
    "volunteer donation banner strategy language hiring data center legal affiliate "
    "conference mobile search archive license community research privacy translation"
).split()
MARK = re.compile(rb"bench-(\d+)-")
MEANING_LOADING = "by words; by meaning once the sentence encoder has loaded"


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


async def seed(database: DatabaseSettings, n: int) -> int:
    engine = make_engine(database)
    maker = make_sessionmaker(engine)
    event_id = await live_event(maker, title="Live bench", question_mode="all")
    intake, rng, start = Intake(), random.Random(1), datetime.now(UTC) - timedelta(hours=1)
    for first in range(0, n, 500):
        asks = [
            IncomingAsk(
                platform=rng.choice([Platform.telegram, Platform.youtube]),
                source_id="-100",
                message_id=f"s{i}",
                text=f"{' '.join(rng.sample(WORDS, 4))} number {i}?",
                asked_at=start + timedelta(milliseconds=i),
                author_id=f"u{i}",
                author_name=f"Asker {i}",
            )
            for i in range(first, min(n, first + 500))
        ]
        async with maker() as s, s.begin():
            await ingest(s, intake=intake, event_id=event_id, asks=asks)
    await engine.dispose()
    return event_id


class Service:
    """`liveq serve` on a free port, in a process of its own."""

    def __init__(self, database: DatabaseSettings) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        env = {
            **os.environ,
            "LIVEQ_DATABASE_URL": database.database_url,
            "LIVEQ_ADMIN_TOKEN": ADMIN,
        }
        if database.database_schema:
            env["LIVEQ_DATABASE_SCHEMA"] = database.database_schema
        liveq = Path(sys.executable).with_name("liveq")
        self.proc = subprocess.Popen(
            [str(liveq), "serve", "--host", "127.0.0.1", "--port", str(self.port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,  # the access log: a line per request
        )

    async def ready(self, http: aiohttp.ClientSession) -> None:
        for _ in range(300):
            try:
                async with http.get(self.url + "/healthz") as r:
                    if r.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
        raise RuntimeError("liveq serve did not start")

    def cpu_seconds(self) -> float | None:
        try:
            fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None  # not Linux: no per-process CPU figure
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    async def settled(
        self, http: aiohttp.ClientSession, event_id: int, *, limit: float = 600.0
    ) -> float:
        """Wait until the sentence encoder has loaded and the event's earlier questions are
        embedded (as after a restart: the service answers meanwhile, by words): seconds."""
        began = time.perf_counter()
        warming = False
        while time.perf_counter() - began < limit:
            async with http.get(self.url + "/api/v1/status", headers=AUTH) as r:
                body = await r.json()
            if body["suggestions"] != MEANING_LOADING:
                if warming and not body["suggestions_embedding"]:
                    break
                if not warming:
                    # The event's first new question once the model is in starts embedding
                    # its earlier ones in the background (as after a restart).
                    async with http.post(
                        f"{self.url}/api/v1/events/{event_id}/questions",
                        json={"text": "warm up: when does the vote close?"},
                        headers=AUTH,
                    ) as r:
                        await r.read()
                    warming = True
            await asyncio.sleep(0.5)
        return time.perf_counter() - began

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()


async def hammer(
    http: aiohttp.ClientSession, url: str, *, clients: int, seconds: float
) -> tuple[float, list[float]]:
    """`clients` loops GETting `url` for `seconds`: (requests/s, latencies in ms)."""
    latencies: list[float] = []
    errors = 0
    ends = time.perf_counter() + seconds

    async def one() -> None:
        nonlocal errors
        while time.perf_counter() < ends:
            started = time.perf_counter()
            async with http.get(url, headers=AUTH) as r:
                await r.read()
                if r.status >= 500:
                    errors += 1
            latencies.append((time.perf_counter() - started) * 1000)

    began = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(clients)))
    if errors:
        raise RuntimeError(f"{errors} answers were 5xx")
    return len(latencies) / (time.perf_counter() - began), latencies


async def writer(
    http: aiohttp.ClientSession,
    url: str,
    *,
    rate: float,
    seconds: float,
    sent: dict[int, float],
    answered: list[float] | None = None,
) -> None:
    """Post `rate` new questions a second; `sent` gets each one's send time, `answered` each
    POST's own latency (ms)."""
    n = int(rate * seconds)
    began = time.perf_counter()
    for i in range(n):
        wait = began + i / rate - time.perf_counter()
        if wait > 0:
            await asyncio.sleep(wait)
        sent[i] = time.perf_counter()
        body = {"text": f"bench-{i}- {' '.join(random.sample(WORDS, 3))} {i}?"}
        async with http.post(url, json=body, headers=AUTH) as r:
            await r.read()
        if answered is not None:
            answered.append((time.perf_counter() - sent[i]) * 1000)


async def reads(svc: Service, http: aiohttp.ClientSession, event_id: int, clients: int) -> None:
    queue = f"{svc.url}/api/v1/events/{event_id}/questions?limit=100"
    await hammer(http, queue, clients=clients, seconds=1)  # warm
    health_rps, health = await hammer(http, svc.url + "/healthz", clients=clients, seconds=5)
    queue_rps, latencies = await hammer(http, queue, clients=clients, seconds=5)
    print(
        f"  GET /healthz             {health_rps:7.0f} req/s  p50 {pct(health, 0.5):5.1f} ms"
        f"  p99 {pct(health, 0.99):5.1f} ms"
    )
    print(
        f"  GET top 100 (idle)       {queue_rps:7.0f} req/s  p50 {pct(latencies, 0.5):5.1f} ms"
        f"  p99 {pct(latencies, 0.99):5.1f} ms   {queue_rps / health_rps:.0%} of /healthz"
    )
    sent: dict[int, float] = {}
    post = f"{svc.url}/api/v1/events/{event_id}/questions"
    busy, (rps, latencies) = await asyncio.gather(
        writer(http, post, rate=20, seconds=5, sent=sent),
        hammer(http, queue, clients=clients, seconds=5),
    )
    print(
        f"  GET top 100 (20 chg/s)   {rps:7.0f} req/s  p50 {pct(latencies, 0.5):5.1f} ms"
        f"  p99 {pct(latencies, 0.99):5.1f} ms   {rps / health_rps:.0%} of /healthz"
    )


async def metrics(http: aiohttp.ClientSession, svc: Service) -> dict[str, int]:
    async with http.get(svc.url + "/api/v1/live/metrics", headers=AUTH) as r:
        return await r.json()  # type: ignore[no-any-return]


async def streams(
    svc: Service, event_id: int, n: int, *, idle_too: bool = True, seconds: float = 10.0
) -> None:
    connector = aiohttp.TCPConnector(limit=0)
    timeout = aiohttp.ClientTimeout(total=None, sock_read=None)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as http:
        url = f"{svc.url}/api/v1/events/{event_id}/stream"
        received: list[dict[int, float]] = [{} for _ in range(n)]
        hello = asyncio.Semaphore(0)

        async def client(k: int) -> None:
            # Chunks as they arrive, not line by line: 1,000 clients in one Python process
            # must not be slower than the server they measure. A mark cut across two chunks
            # is found in the next (the tail is kept).
            async with http.get(url, headers=AUTH) as r:
                greeted, tail, got = False, b"", received[k]
                async for chunk in r.content.iter_any():
                    now = time.perf_counter()
                    data = tail + chunk
                    if not greeted and b"event: hello" in data:
                        greeted = True
                        hello.release()
                    for m in MARK.finditer(data):
                        got.setdefault(int(m.group(1)), now)
                    tail = data[-64:]

        async def idle(label: str, seconds: float = 5.0) -> None:
            before, cpu0, t0 = await metrics(http, svc), svc.cpu_seconds(), time.perf_counter()
            await asyncio.sleep(seconds)
            after, cpu1 = await metrics(http, svc), svc.cpu_seconds()
            took = time.perf_counter() - t0
            rate = (after["feed_reads"] - before["feed_reads"]) / took
            cpu = f"{(cpu1 - cpu0) / took:6.1%}" if cpu0 is not None and cpu1 else "   n/a"
            print(f"  {label:<28} CPU {cpu} of a core, {rate:5.1f} audit reads/s")

        tasks = [asyncio.create_task(client(0))]
        await hello.acquire()
        if idle_too:
            await idle("1 stream, idle")
        tasks += [asyncio.create_task(client(k)) for k in range(1, n)]
        for _ in range(n - 1):
            await asyncio.wait_for(hello.acquire(), 60)
        print(f"  {n} streams open ({(await metrics(http, svc))['streams_open']} on the server)")
        if idle_too:
            await idle(f"{n} streams, idle")
        sent: dict[int, float] = {}
        cpu0, own0, t0 = svc.cpu_seconds(), time.process_time(), time.perf_counter()
        answered: list[float] = []
        await writer(
            http,
            f"{svc.url}/api/v1/events/{event_id}/questions",
            rate=20,
            seconds=seconds,
            sent=sent,
            answered=answered,
        )
        await asyncio.sleep(2)
        cpu1, own1, took = svc.cpu_seconds(), time.process_time(), time.perf_counter() - t0
        if cpu0 is not None and cpu1 is not None:
            print(
                f"  while delivering            service CPU {(cpu1 - cpu0) / took:6.1%} of a core,"
                f" the {n} clients' {(own1 - own0) / took:6.1%};"
                f" {(cpu1 - cpu0) / len(sent) * 1000:5.1f} ms of service CPU a change"
            )
        delays = [(got[i] - sent[i]) * 1000 for got in received for i in sent if i in got]
        missing = len(sent) * n - len(delays)
        print(
            f"  delivery at 20 chg/s       p50 {pct(delays, 0.5):6.1f} ms"
            f"  p99 {pct(delays, 0.99):6.1f} ms  max {max(delays):6.1f} ms"
            f"  ({len(delays)} deliveries, {missing} missing)"
        )
        print(
            f"  (each POST's own answer       p50 {pct(answered, 0.5):6.1f} ms"
            f"  p99 {pct(answered, 0.99):6.1f} ms: the delivery includes it)"
        )
        # From the write's answer (committed) to each client: the feed and the fan-out alone.
        after = [
            (got[i] - sent[i]) * 1000 - answered[i]
            for got in received
            for i in sent
            if i in got and i < len(answered)
        ]
        print(
            f"  answered → delivered          p50 {pct(after, 0.5):6.1f} ms"
            f"  p99 {pct(after, 0.99):6.1f} ms"
        )
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def run(
    backend: str, questions: int, clients: int, *, delivery_only: bool, seconds: float
) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="liveq-live-bench-"))
    schema = None
    if backend == "postgres":
        import asyncpg

        schema = f"liveq_bench_{os.getpid()}"
        conn = await asyncpg.connect(PG_URL.replace("+asyncpg", ""))
        await conn.execute(f"CREATE SCHEMA {schema}")
        await conn.close()
        database = DatabaseSettings(database_url=PG_URL, database_schema=schema)
    else:
        database = DatabaseSettings(database_url=f"sqlite+aiosqlite:///{tmp / 'live.db'}")
    try:
        await asyncio.to_thread(upgrade_to_head, database)
        t0 = time.perf_counter()
        event_id = await seed(database, questions)
        print(f"{backend}: {questions} questions seeded in {time.perf_counter() - t0:.0f} s")
        svc = Service(database)
        try:
            async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:
                await svc.ready(http)
                waited = await svc.settled(http, event_id)
                print(f"  encoder loaded and {questions} questions embedded after {waited:.0f} s")
                if not delivery_only:
                    print("reads (10 clients)")
                    await reads(svc, http, event_id, 10)
            print(f"streams ({clients} clients; service pid {svc.proc.pid})", flush=True)
            await streams(svc, event_id, clients, idle_too=not delivery_only, seconds=seconds)
        finally:
            svc.stop()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        if schema:
            import asyncpg

            conn = await asyncpg.connect(PG_URL.replace("+asyncpg", ""))
            await conn.execute(f"DROP SCHEMA {schema} CASCADE")
            await conn.close()


def main() -> None:
    args = sys.argv[1:]
    backend = args[0] if args and args[0] in ("sqlite", "postgres") else "sqlite"
    numbers = [int(a) for a in args if a.isdigit()]
    questions = numbers[0] if numbers else 10_000
    clients = numbers[1] if len(numbers) > 1 else 1_000
    seconds = next((float(a.split("=", 1)[1]) for a in args if a.startswith("--seconds=")), 10.0)
    asyncio.run(
        run(
            backend,
            questions,
            clients,
            delivery_only="--delivery-only" in args,
            seconds=seconds,
        )
    )


if __name__ == "__main__":
    main()
