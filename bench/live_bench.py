"""The live path, end to end, as a client sees it through the HTTP API of a running service.

    .venv/bin/python -m bench.live_bench [--postgres] [--only first-read,burst,flood]

1. First read: from `POST /api/v1/events` (a YouTube source on a live stream) answering to the
   stream's first liveChatMessages.list at the fake API: the collector in the service's process
   (SQLite or PostgreSQL), and, with --postgres, `liveq collect youtube` in a process of its own
   woken through NOTIFY. Then after a restart: from the service's process starting (and from
   its collector starting) to each live source's first read. Targets: 1 s, 2 s, 1 s.
2. YouTube burst: one 2,000-message page (the chat mix of youtube_bench) released while the
   collector reads an empty chat (pollingIntervalMillis 100), until `GET /counts` shows its
   questions (one transaction: all at once; `GET /stats` then confirms all 2,000 asks and
   chatter); against the bare google-api-python-client fetching and parsing the
   same page and inserting it into SQLite. Target ≤ 10x.
3. Telegram flood: 3,000 distinct questions; from the first update being available to the last
   question visible through `GET /counts`, against a bare python-telegram-bot Application
   draining the same updates with a handler that does nothing. Target ≤ 2x.

The service is `python -m app.cli serve` in a subprocess; the fake platform APIs run here.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import random
import secrets
import socket
import sqlite3
import statistics
import string
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from googleapiclient.discovery import build

from bench.youtube_bench import fill_chat
from collectors.youtube.parse import chat_page
from fakes.telegram import FakeTelegram, chat, message, user
from fakes.youtube import Author, FakeChat, FakeYoutube

ROOT = Path(__file__).resolve().parents[1]
KEY = "bench-" + secrets.token_hex(8)
ADMIN = "bench-admin-" + secrets.token_hex(12)
PG_URL = os.environ.get(
    "LIVEQ_BENCH_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
GROUP = chat(-1001000000077, title="Flood")
BURST = 2000
# How often the client asks `GET /counts` (a dashboard refetching 20 times a second): asking
# much faster measures the cost of answering it more than the collector.
POLL = 0.05
FLOOD = 3000


def _words(rng: random.Random, n: int) -> list[str]:
    """Made-up words: questions built from them never merge with one another."""
    letters = string.ascii_lowercase
    return ["".join(rng.choice(letters) for _ in range(7)) for _ in range(n)]


def distinct_questions(n: int, seed: int) -> list[str]:
    """n questions sharing no content word: none is a duplicate of another."""
    rng = random.Random(seed)
    vocabulary = _words(rng, 5 * n)
    return [
        f"Will the {vocabulary[5 * i]} {vocabulary[5 * i + 1]} {vocabulary[5 * i + 2]} the "
        f"{vocabulary[5 * i + 3]} {vocabulary[5 * i + 4]}?"
        for i in range(n)
    ]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Database:
    """A fresh SQLite file or PostgreSQL schema for one service run."""

    def __init__(self, postgres: bool, tmp: Path) -> None:
        self.postgres = postgres
        self.schema = f"liveq_livebench_{secrets.token_hex(3)}" if postgres else None
        self.url = PG_URL if postgres else f"sqlite+aiosqlite:///{tmp / 'live.db'}"

    async def create(self) -> None:
        if self.schema:
            import asyncpg

            conn = await asyncpg.connect(PG_URL.replace("postgresql+asyncpg://", "postgresql://"))
            await conn.execute(f"CREATE SCHEMA {self.schema}")
            await conn.close()

    async def drop(self) -> None:
        if self.schema:
            import asyncpg

            conn = await asyncpg.connect(PG_URL.replace("postgresql+asyncpg://", "postgresql://"))
            await conn.execute(f"DROP SCHEMA IF EXISTS {self.schema} CASCADE")
            await conn.close()

    def env(self) -> dict[str, str]:
        env = {"LIVEQ_DATABASE_URL": self.url}
        if self.schema:
            env["LIVEQ_DATABASE_SCHEMA"] = self.schema
        return env


def _cpu_of(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:  # it has ended
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _postgres_cpu_seconds() -> float:
    """CPU used so far by this machine's PostgreSQL server processes (0 when it runs
    elsewhere): on two cores, the database's share of a flood is the service's loss."""
    total = 0.0
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if (proc / "comm").read_text().strip() == "postgres":
                    total += _cpu_of(int(proc.name))
            except OSError:  # it has ended
                continue
    return total


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            found += map(int, (task / "children").read_text().split())
        except OSError:
            continue
    return found


class Service:
    """`liveq serve` (or `liveq collect …`) in a subprocess."""

    def __init__(self, db: Database, args: list[str], **env: str) -> None:
        self.db, self.args = db, args
        self.port = _free_port()
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("LIVEQ_")},
            **db.env(),
            "LIVEQ_ADMIN_TOKEN": ADMIN,
            **env,
        }
        self.proc: asyncio.subprocess.Process | None = None
        self.spawned_at = 0.0
        self.collector_started_at: float | None = None  # its log line "starting … collector"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self, ready: bytes) -> None:
        args = [*self.args, "--port", str(self.port)] if self.args[0] == "serve" else self.args
        self.spawned_at = time.perf_counter()
        _STARTED.append(self)
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "app.cli",
            *args,
            cwd=ROOT,
            env=self.env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        assert self.proc.stdout is not None
        async with asyncio.timeout(120):
            while ready not in (line := await self.proc.stdout.readline()):
                if not line:
                    raise RuntimeError(f"{self.args[0]} exited before it was ready")
                self._saw(line)
        asyncio.get_running_loop().create_task(self._drain())
        if self.args[0] == "serve":
            async with httpx.AsyncClient() as client, asyncio.timeout(60):
                while True:
                    try:
                        if (await client.get(f"{self.url}/healthz")).status_code == 200:
                            return
                    except httpx.TransportError:
                        pass
                    await asyncio.sleep(0.02)

    def _saw(self, line: bytes) -> None:
        if b"starting youtube collector" in line and self.collector_started_at is None:
            self.collector_started_at = time.perf_counter()

    def cpu_seconds(self) -> float:
        """User and system CPU the service's process has used (Linux /proc)."""
        assert self.proc is not None
        return _cpu_of(self.proc.pid)

    def children_cpu_seconds(self) -> float:
        """The same for the processes the service started (the sentence encoder, the text
        reader): while they work, the service is not idle either."""
        assert self.proc is not None
        return sum(map(_cpu_of, _children(self.proc.pid)))

    async def _drain(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        verbose = os.environ.get("LIVEQ_BENCH_VERBOSE")
        while line := await self.proc.stdout.readline():
            self._saw(line)
            if verbose:
                print("  service:", line.decode(errors="replace").rstrip())

    async def stop(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.terminate()
            try:
                await asyncio.wait_for(self.proc.wait(), 30)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()


# Every service started: stopped at the end whatever happened (a failed round left them running).
_STARTED: list[Service] = []


def _client(service: Service) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=service.url, headers={"Authorization": f"Bearer {ADMIN}"}, timeout=30
    )


async def _create_event(client: httpx.AsyncClient, sources: list[dict[str, Any]]) -> int:
    response = await client.post("/api/v1/events", json={"title": "Live bench", "sources": sources})
    response.raise_for_status()
    return int(response.json()["id"])


async def _wait(check: Callable[[], bool], within: float = 60.0, step: float = 0.001) -> float:
    """perf_counter when `check()` first holds."""
    async with asyncio.timeout(within):
        while not check():  # noqa: ASYNC110 - the fakes record calls; nothing to await on
            await asyncio.sleep(step)
    return time.perf_counter()


def _first_read_of(fake: FakeYoutube, chat: FakeChat) -> Callable[[], bool]:
    return lambda: any(
        c[2].get("liveChatId") == [chat.live_chat_id] for c in fake.calls("/messages")
    )


# -- 1. first read -------------------------------------------------------------------------------
async def first_read(postgres: bool, tmp: Path) -> None:
    fake = FakeYoutube(api_key=KEY, daily_quota=10**9)
    url = await fake.start()
    youtube = {"LIVEQ_YOUTUBE_API_KEY": KEY, "LIVEQ_YOUTUBE_API_ENDPOINT": url}
    db = Database(postgres, tmp)
    await db.create()
    backend = "PostgreSQL" if postgres else "SQLite"
    try:
        service = Service(db, ["serve"], **youtube)
        await service.start(b"liveq serving")
        added: list[float] = []
        async with _client(service) as client:
            for i in range(5):
                chat = fake.add_video(f"firstRead{i:02d}")
                started = time.perf_counter()
                await _create_event(client, [{"platform": "youtube", "video": f"firstRead{i:02d}"}])
                added.append(await _wait(_first_read_of(fake, chat)) - started)
        await service.stop()
        print(
            f"first read, collector in the service ({backend}): median "
            f"{statistics.median(added) * 1000:.0f} ms, max {max(added) * 1000:.0f} ms "
            "(target ≤ 1 s)"
        )

        # Restart: every live source is read again from the start of the process.
        calls = len(fake.calls("/messages"))
        service = Service(db, ["serve"], **youtube)
        restart = asyncio.create_task(service.start(b"liveq serving"))
        chats = [fake.videos[f"firstRead{i:02d}"].chat for i in range(5)]

        def all_read_again() -> bool:
            again = {c[2]["liveChatId"][0] for c in fake.calls("/messages")[calls:]}
            return all(chat.live_chat_id in again for chat in chats)

        read_at = await _wait(all_read_again, within=120)
        await restart
        await service.stop()
        since_start = read_at - (service.collector_started_at or math.nan)
        print(
            f"after a restart ({backend}): all 5 live sources read {since_start * 1000:.0f} ms "
            f"after the collector started (target ≤ 1 s); {read_at - service.spawned_at:.2f} s "
            "after the process was spawned (Python start-up, imports, migration check)"
        )

        if postgres:
            # The API without the YouTube collector, and the collector in a process of its own.
            api = Service(db, ["serve"])
            collector = Service(db, ["collect", "youtube"], **youtube)
            await api.start(b"liveq serving")
            await collector.start(b"collecting from youtube")
            apart: list[float] = []
            async with _client(api) as client:
                for i in range(5):
                    chat = fake.add_video(f"apartRead{i:02d}")
                    started = time.perf_counter()
                    await _create_event(
                        client, [{"platform": "youtube", "video": f"apartRead{i:02d}"}]
                    )
                    apart.append(await _wait(_first_read_of(fake, chat)) - started)
            await collector.stop()
            await api.stop()
            print(
                "first read, `liveq collect youtube` apart, woken by NOTIFY (PostgreSQL): "
                f"median {statistics.median(apart) * 1000:.0f} ms, max "
                f"{max(apart) * 1000:.0f} ms (target ≤ 2 s)"
            )
    finally:
        await fake.stop()
        await db.drop()


# -- 2. YouTube burst ----------------------------------------------------------------------------
def _fill(fake: FakeYoutube, chat: FakeChat, texts: list[str]) -> None:
    for i, text in enumerate(texts):
        fake.post(chat, text, author=Author(f"UCburst{i}", f"Viewer {i}"))


def bare_youtube(url: str, live_chat_id: str, page_token: str, path: Path) -> tuple[float, float]:
    """Seconds (wall, and CPU of its own thread) for the plain client to fetch and parse one
    page and insert it into SQLite."""
    client = build(
        "youtube",
        "v3",
        developerKey=KEY,
        static_discovery=True,
        cache_discovery=False,
        client_options={"api_endpoint": url},
    )
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE IF NOT EXISTS message (id TEXT PRIMARY KEY, author TEXT, text TEXT)")
    started, cpu = time.perf_counter(), time.thread_time()
    payload = (
        client.liveChatMessages()
        .list(
            liveChatId=live_chat_id,
            part="id,snippet,authorDetails",
            maxResults=2000,
            pageToken=page_token,
        )
        .execute()
    )
    page = chat_page(payload, live_chat_id=live_chat_id)
    with db:
        db.executemany(
            "INSERT OR IGNORE INTO message VALUES (?, ?, ?)",
            [
                (i.ask.message_id, i.ask.author_id, i.ask.text)
                for i in page.intents
                if hasattr(i, "ask")
            ],
        )
    elapsed, cpu = time.perf_counter() - started, time.thread_time() - cpu
    db.close()
    return elapsed, cpu


async def youtube_burst(postgres: bool, tmp: Path, rounds: int) -> None:
    fake = FakeYoutube(api_key=KEY, daily_quota=10**9, enforce_interval=False)
    url = await fake.start()
    db = Database(postgres, tmp)
    await db.create()
    backend = "PostgreSQL" if postgres else "SQLite"
    bare: list[float] = []
    bare_cpus: list[float] = []
    ours: list[float] = []
    cpus: list[float] = []
    waits: list[float] = []
    try:
        service = Service(
            db,
            ["serve"],
            LIVEQ_YOUTUBE_API_KEY=KEY,
            LIVEQ_YOUTUBE_API_ENDPOINT=url,
            # Quota set high, so pacing is not the limit: the chat's own 100 ms interval is.
            LIVEQ_YOUTUBE_DAILY_QUOTA=str(10**9),
        )
        await service.start(b"liveq serving")
        async with _client(service) as client:
            for r in range(rounds):
                # The service idle first (the last round's suggestions found), as in the flood.
                await _idle(service)
                video = f"burstVid{r:03d}"
                chat = fake.add_video(video, polling_interval_ms=100)
                event_id = await _create_event(client, [{"platform": "youtube", "video": video}])
                # The collector is reading the empty chat.
                await _wait(_read_times(fake, chat, 3))
                # The bare client reads the same page from the same place, afterwards.
                token = _token_at(len(chat.messages))
                # The project's chat mix (youtube_bench): 40 % questions, a third of them
                # asked again, Super Chats, 60 % chatter. Every message is an ask or chatter.
                fill_chat(fake, chat, BURST, random.Random(r))
                cpu_before = service.cpu_seconds()
                released, released_at = time.perf_counter(), fake.clock()
                # The page is stored in one transaction: its questions appear all at once.
                while not (await _counts(client, event_id)).get("open"):
                    if time.perf_counter() - released > 120:
                        raise RuntimeError(
                            f"the page did not arrive within 120 s ({len(_reads(fake, chat))} "
                            f"reads, last {_reads(fake, chat)[-1][0]}, last answered "
                            f"{_reads(fake, chat)[-1][3]})"
                        )
                    await asyncio.sleep(POLL)
                shown_at = time.perf_counter()
                cpus.append(service.cpu_seconds() - cpu_before)
                # Released just after a read: the collector reads again one interval later.
                [next_read, *_] = [c[0] for c in _reads(fake, chat) if c[0] >= released_at]
                waits.append((next_read - released_at).total_seconds())
                stats = (await client.get(f"/api/v1/events/{event_id}/stats")).json()
                seen = int(stats["asks"]) + sum(stats["chatter_by_platform"].values())
                assert seen == BURST, f"{seen} of {BURST} messages stored"
                ours.append(shown_at - released)
                wall, cpu = await asyncio.to_thread(
                    bare_youtube, url, chat.live_chat_id, token, tmp / f"bare{r}.db"
                )
                bare.append(wall)
                bare_cpus.append(cpu)
                await client.patch(f"/api/v1/events/{event_id}", json={"status": "ended"})
        await service.stop()
    finally:
        await fake.stop()
        await db.drop()
    b, o = statistics.median(bare), statistics.median(ours)
    bc, oc = statistics.median(bare_cpus), statistics.median(cpus)
    print(
        f"YouTube burst ({backend}), one {BURST}-message page, {rounds} rounds: "
        f"release → all in the queue via the API {o:.2f} s (median; "
        f"{min(ours):.2f}–{max(ours):.2f}); bare client fetch+parse+SQLite insert {b:.3f} s; "
        f"ratio {o / b:.1f}x (target ≤ 10x)"
    )
    print(
        f"  CPU seconds: the service {oc:.2f} (its whole process, answering the polls too), "
        f"the bare client {bc:.3f} (its thread); ratio {oc / bc:.1f}x"
    )
    print(
        f"  of the service's time, waiting for the chat's next read (pollingIntervalMillis "
        f"100, the page released just after a read): {statistics.median(waits) * 1000:.0f} ms"
    )


async def _counts(client: httpx.AsyncClient, event_id: int) -> dict[str, int]:
    response = await client.get(f"/api/v1/events/{event_id}/counts")
    response.raise_for_status()
    return dict(response.json())


def _read_times(fake: FakeYoutube, chat: FakeChat, n: int) -> Callable[[], bool]:
    return lambda: len(_reads(fake, chat)) >= n


def _reads(fake: FakeYoutube, chat: FakeChat) -> list[Any]:
    return [c for c in fake.calls("/messages") if c[2].get("liveChatId") == [chat.live_chat_id]]


def _token_at(index: int) -> str:
    import base64

    return base64.urlsafe_b64encode(str(index).encode()).decode()


# -- 3. Telegram flood ---------------------------------------------------------------------------
def flood(n: int, seed: int, start: int) -> list[dict[str, Any]]:
    return [
        message(
            chat=GROUP,
            message_id=start + i,
            sender=user(50_000 + i, first_name=f"Asker{i}"),
            text=text,
        )
        for i, text in enumerate(distinct_questions(n, seed))
    ]


async def telegram_flood(postgres: bool, tmp: Path, rounds: int) -> None:
    from bench.telegram_bench import bare_rate

    db = Database(postgres, tmp)
    await db.create()
    backend = "PostgreSQL" if postgres else "SQLite"
    bares: list[float] = []
    ours: list[float] = []
    settled: list[float] = []
    cpus: list[float] = []
    children_cpus: list[float] = []
    server_cpus: list[float] = []
    own_cpus: list[float] = []
    try:
        async with FakeTelegram() as fake:
            service = Service(
                db,
                ["serve"],
                LIVEQ_TELEGRAM_BOT_TOKEN=fake.token,
                LIVEQ_TELEGRAM_API_URL=fake.base_url,
                LIVEQ_TELEGRAM_POLL_TIMEOUT="1",
            )
            await service.start(b"liveq serving")
            async with _client(service) as client:
                for r in range(rounds):
                    # The service idle first (the last round's suggestions found): the bare
                    # client gets the same machine.
                    await _idle(service)
                    bares.append(FLOOD / await bare_rate(FLOOD))
                    event_id = await _create_event(
                        client, [{"platform": "telegram", "chat_id": GROUP["id"]}]
                    )
                    updates = flood(FLOOD, seed=100 + r, start=1 + r * FLOOD)
                    cpu, children_cpu = service.cpu_seconds(), service.children_cpu_seconds()
                    server_cpu, own_cpu = _postgres_cpu_seconds(), time.process_time()
                    fake.push(*updates)
                    pushed = time.perf_counter()
                    shown = 0
                    while shown < FLOOD:
                        shown = (await _counts(client, event_id)).get("open", 0)
                        if time.perf_counter() - pushed > 180:
                            raise RuntimeError(f"only {shown} of {FLOOD} after 180 s")
                        await asyncio.sleep(POLL)
                    ours.append(time.perf_counter() - pushed)
                    cpus.append(service.cpu_seconds() - cpu)
                    children_cpus.append(service.children_cpu_seconds() - children_cpu)
                    server_cpus.append(_postgres_cpu_seconds() - server_cpu)
                    own_cpus.append(time.process_time() - own_cpu)
                    # Suggestions are found just after each batch commits, in the background:
                    # when the service goes idle, every question has been compared.
                    settled.append(await _idle(service) - pushed)
                    await client.patch(f"/api/v1/events/{event_id}", json={"status": "ended"})
            await service.stop()
    finally:
        await db.drop()
    b, o = statistics.median(bares), statistics.median(ours)
    print(
        f"Telegram flood ({backend}), {FLOOD} distinct questions, {rounds} rounds: first update "
        f"→ last question visible via the API {o:.2f} s (median; {min(ours):.2f}–"
        f"{max(ours):.2f}, {FLOOD / o:.0f} asks/s); bare PTB drain {b:.2f} s; ratio "
        f"{o / b:.1f}x (target ≤ 2x)"
    )
    print(
        f"  the service's CPU until then: {statistics.median(cpus):.2f} s "
        f"({statistics.median(cpus) / FLOOD * 1000:.2f} ms per question, polls answered included);"
        f" the processes it started (reading texts ahead): {statistics.median(children_cpus):.2f} s"
    )
    print(
        f"  meanwhile on the same cores: this benchmark (the fake Bot API, the polls) "
        f"{statistics.median(own_cpus):.2f} s"
        + (
            f", the local PostgreSQL server's processes {statistics.median(server_cpus):.2f} s"
            if postgres
            else ""
        )
    )
    print(
        f"  the service idle again (every new question's suggestions found) "
        f"{statistics.median(settled):.2f} s after the first update "
        f"({min(settled):.2f}–{max(settled):.2f})"
    )


async def _idle(service: Service, quiet: float = 0.02, every: float = 0.25) -> float:
    """perf_counter when the service and the processes it started each used under `quiet` of
    a core over `every` seconds (answering nothing but this wait), measured from the end of
    the first quiet stretch. (Its sentence encoder finding the last flood's suggestions works
    while the service only waits for it.)"""
    before = service.cpu_seconds(), service.children_cpu_seconds()
    while True:
        await asyncio.sleep(every)
        now = service.cpu_seconds(), service.children_cpu_seconds()
        if all(b - a < quiet * every + 0.011 for a, b in zip(before, now, strict=True)):
            return time.perf_counter() - every  # (0.011: one clock tick of slack)
        before = now


async def run(postgres: bool, only: set[str], rounds: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        try:
            if "first-read" in only:
                await first_read(postgres, Path(tmp))
            if "burst" in only:
                await youtube_burst(postgres, Path(tmp), rounds)
            if "flood" in only:
                await telegram_flood(postgres, Path(tmp), rounds)
        finally:
            for service in _STARTED:
                await service.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--only", default="first-read,burst,flood")
    parser.add_argument("--rounds", type=int, default=3)
    args, _ = parser.parse_known_args(argv if argv is not None else sys.argv[1:])
    asyncio.run(run(args.postgres, set(args.only.split(",")), args.rounds))


if __name__ == "__main__":
    main()
