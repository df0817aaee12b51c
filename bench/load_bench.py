"""The API under load: the real service (`liveq serve`, uvicorn, in a subprocess) and 200
concurrent clients on loopback mixing database-issued tokens, made-up `lq_…` tokens (a new one
each request: every one a cache miss) and the admin token on the queue, counts and events
routes. Expected: zero 5xx. Printed: requests/s, p50 and p99 per kind of caller, beside a
/healthz run of the same shape in the same run (what the machine does with no database work).

Each client is a keep-alive HTTP/1.1 connection of its own, sending one request at a time
from its own address (X-Forwarded-For, which the service trusts from loopback), as 200 people
behind a reverse proxy would. Bounded: every client sends a fixed number of requests.
Run: `.venv/bin/python -m bench.load_bench [--clients 200] [--requests 25] [--backend sqlite]`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text

from app.auth.tokens import create_token
from bench.events import live_event
from intake.asks import IncomingAsk
from intake.ingest import Intake, ingest
from kit.db import make_engine, make_sessionmaker
from kit.migrate import upgrade_to_head
from kit.settings import DatabaseSettings
from models import Platform, Role

PG_URL = os.environ.get(
    "LIVEQ_BENCH_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
ADMIN = "load-bench-admin-token-" + secrets.token_hex(8)
KINDS = ("database token", "made-up token", "admin token")


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=dict)
    statuses: dict[str, Counter[int]] = field(default_factory=dict)
    errors: Counter[str] = field(default_factory=Counter)

    def add(self, kind: str, status: int, seconds: float) -> None:
        self.latencies.setdefault(kind, []).append(seconds)
        self.statuses.setdefault(kind, Counter())[status] += 1


async def client(
    port: int, address: str, plan: list[tuple[str, str, str]], tally: Tally, start: Start
) -> None:
    """One keep-alive connection: connected and warmed up (one untimed /healthz) before the
    start, then `plan`'s requests one after another."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        await _get(reader, writer, "/healthz", "", address)
        await start.ready()
        for kind, path, token in plan:
            if token == "made-up":
                token = "lq_" + secrets.token_urlsafe(32)
            started = time.perf_counter()
            status = await _get(reader, writer, path, token, address)
            tally.add(kind, status, time.perf_counter() - started)
    except (OSError, asyncio.IncompleteReadError, ValueError, IndexError) as exc:
        tally.errors[type(exc).__name__] += 1
    finally:
        writer.close()


async def _get(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, path: str, token: str, address: str
) -> int:
    auth = f"Authorization: Bearer {token}\r\n" if token else ""
    head = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{auth}X-Forwarded-For: {address}\r\n"
    writer.write(f"{head}\r\n".encode())
    await writer.drain()
    status_line = await reader.readline()
    length = 0
    while (line := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.decode("latin-1").partition(":")
        if name.lower() == "content-length":
            length = int(value)
    await reader.readexactly(length)
    return int(status_line.split()[1])


class Start:
    """Every client connected and warmed up, then all go at once; the clock starts then."""

    def __init__(self, clients: int) -> None:
        self.waiting = clients
        self.go = asyncio.Event()
        self.at = 0.0

    async def ready(self) -> None:
        self.waiting -= 1
        if self.waiting == 0:
            self.at = time.perf_counter()
            self.go.set()
        await self.go.wait()


async def phase(port: int, plans: list[list[tuple[str, str, str]]]) -> tuple[Tally, float]:
    tally = Tally()
    start = Start(len(plans))
    async with asyncio.timeout(900):
        await asyncio.gather(
            *(
                client(port, f"10.{i // 250}.{i % 250}.1", plan, tally, start)
                for i, plan in enumerate(plans)
            )
        )
    return tally, time.perf_counter() - start.at


def _ms(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return 1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def report(name: str, tally: Tally, seconds: float) -> int:
    """Prints one block; returns the number of 5xx answers."""
    every = [v for values in tally.latencies.values() for v in values]
    fives = sum(n for c in tally.statuses.values() for s, n in c.items() if s >= 500)
    print(
        f"{name:<34}{len(every):>7}{len(every) / seconds:>9.0f}"
        f"{_ms(every, 0.5):>9.1f}{_ms(every, 0.99):>9.1f}{fives:>6}"
    )
    for kind, values in sorted(tally.latencies.items()):
        codes = ", ".join(f"{s}×{n}" for s, n in sorted(tally.statuses[kind].items()))
        print(
            f"  {kind:<32}{len(values):>7}{'':>9}{statistics.median(values) * 1000:>9.1f}"
            f"{_ms(values, 0.99):>9.1f}      {codes}"
        )
    if tally.errors:
        print(f"  connection errors: {dict(tally.errors)}")
    return fives + sum(tally.errors.values())


async def seed(database: DatabaseSettings, tokens: int, questions: int) -> tuple[int, list[str]]:
    engine = make_engine(database)
    maker = make_sessionmaker(engine)
    try:
        if engine.dialect.name == "postgresql":
            # Ingest takes an advisory lock on the event id, and advisory locks span the
            # whole database: on a shared server, event 1 of another schema would hold us up.
            async with maker() as s, s.begin():
                start = secrets.randbelow(10**9) + 10**6
                await s.execute(text(f"SELECT setval('events_id_seq', {start})"))
        event_id = await live_event(maker, title="Load bench")
        async with maker() as s, s.begin():
            now = datetime.now(UTC)
            roles = (Role.viewer, Role.moderator, Role.host)
            made = [
                await create_token(s, role=roles[i % 3], name=f"bench {i}", now=now)
                for i in range(tokens)
            ]
        intake = Intake()
        async with maker() as s, s.begin():
            asks = [
                IncomingAsk(
                    platform=Platform.manual,
                    source_id="manual",
                    message_id=f"load-{i}",
                    text=f"Question {i}: what happens to plan {i * 7919} after the review?",
                    author_name=f"Asker {i}",
                    author_id=f"asker-{i}",
                    asked_at=now,
                )
                for i in range(questions)
            ]
            await ingest(s, intake=intake, event_id=event_id, asks=asks)
        return event_id, made
    finally:
        await engine.dispose()


def plans(event_id: int, tokens: list[str], clients: int, requests: int, healthz: bool):
    routes = (
        f"/api/v1/events/{event_id}/questions?limit=20",
        f"/api/v1/events/{event_id}/counts",
        "/api/v1/events",
    )
    out = []
    for i in range(clients):
        kind = KINDS[i % 3]
        token = {KINDS[0]: tokens[i % len(tokens)], KINDS[1]: "made-up", KINDS[2]: ADMIN}[kind]
        if healthz:
            out.append([("healthz", "/healthz", "")] * requests)
        else:
            out.append([(kind, routes[(i + j) % 3], token) for j in range(requests)])
    return out


def serve(database: DatabaseSettings, log: Path) -> tuple[subprocess.Popen[bytes], int]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    env = {
        **os.environ,
        "LIVEQ_DATABASE_URL": database.database_url,
        "LIVEQ_ADMIN_TOKEN": ADMIN,
    }
    if database.database_schema:
        env["LIVEQ_DATABASE_SCHEMA"] = database.database_schema
    out = log.open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=out,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"liveq serve exited: {log.read_text()[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return proc, port
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("liveq serve did not start within 60 s")


async def pg_schema(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_URL.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def one_backend(backend: str, clients: int, requests: int, tmp: Path) -> int:
    if backend == "postgres":
        schema = f"liveq_loadbench_{secrets.token_hex(3)}"
        try:
            asyncio.run(pg_schema(f"CREATE SCHEMA {schema}"))
        except OSError as exc:
            print(f"postgres skipped: {exc}")
            return 0
        database = DatabaseSettings(database_url=PG_URL, database_schema=schema)
    else:
        database = DatabaseSettings(database_url=f"sqlite+aiosqlite:///{tmp / 'load.db'}")
    try:
        upgrade_to_head(database)
        event_id, tokens = asyncio.run(seed(database, tokens=30, questions=300))
        proc, port = serve(database, tmp / f"{backend}.log")
        try:
            print(
                f"\n{backend}: {clients} clients × {requests} requests\n"
                f"{'':<34}{'reqs':>7}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'5xx':>6}"
            )
            bad = 0
            for name, healthz in (("/healthz (no database)", True), ("mixed API", False)):
                work = plans(event_id, tokens, clients, requests, healthz)
                tally, seconds = asyncio.run(phase(port, work))
                bad += report(name, tally, seconds)
            log = (tmp / f"{backend}.log").read_text()
            leaked = [t for t in [ADMIN, *tokens] if t in log]
            print(
                f"  tokens in the service's log: {len(leaked)}; tracebacks: "
                f"{log.count('Traceback')}"
            )
            return bad
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    finally:
        if database.database_schema:
            asyncio.run(pg_schema(f"DROP SCHEMA IF EXISTS {database.database_schema} CASCADE"))


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.load_bench")
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--requests", type=int, default=25, help="per client")
    parser.add_argument("--backend", action="append", choices=["sqlite", "postgres"])
    args = parser.parse_args(sys.argv[1:] if __name__ == "__main__" else [])
    tmp = Path(tempfile.mkdtemp(prefix="liveq-load-"))
    bad = 0
    try:
        for backend in args.backend or ["sqlite", "postgres"]:
            bad += one_backend(backend, args.clients, args.requests, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"\n5xx answers and broken connections in all: {bad}")


if __name__ == "__main__":
    main()
