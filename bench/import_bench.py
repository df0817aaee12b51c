"""A large import beside a live service: a 70,000-row CSV (~4.8 MB) imported over HTTP while
/healthz is polled every 10 ms and another writer adds a question every 250 ms.

Measures the import's time and rows/s, /healthz latency (p50, p99, max; target: max under
100 ms) and the other writer's latency and errors (target: no 5xx). The service runs in a
thread of its own (its own event loop), as uvicorn serves it; the pollers are outside it.
Run: `.venv/bin/python -m bench.import_bench [rows] [--backend sqlite|postgres]`.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import secrets
import statistics
import sys
import tempfile
import threading
import time

import httpx
import uvicorn

from app.main import create_app
from bench.ingest_bench import PG_URL, pg_schema
from bench.matching_bench import make_question
from kit.migrate import upgrade_to_head
from kit.settings import ApiSettings, DatabaseSettings

ADMIN = "bench-import-" + "x" * 16
HEALTH_EVERY = 0.01
WRITE_EVERY = 0.25


def make_csv(rows: int, *, seed: int = 11) -> bytes:
    """`rows` varied questions with an author and an id, as a mailbox export would be."""
    rng = random.Random(seed)
    out = ["text,author,id"]
    for i in range(rows):
        text = make_question(rng).replace('"', "'")
        out.append(f'"{text}",Asker {i % 1499},m{i}')
    return ("\n".join(out) + "\n").encode()


class Service:
    """The app served by uvicorn on its own loop, in a thread."""

    def __init__(self, database: DatabaseSettings) -> None:
        self.app = create_app(database=database, api=ApiSettings(admin_token=ADMIN))
        self.server = uvicorn.Server(
            uvicorn.Config(self.app, host="127.0.0.1", port=0, log_level="warning", ws="none")
        )
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(
            target=self.loop.run_until_complete, args=(self.server.serve(),), daemon=True
        )

    def start(self) -> str:
        self.thread.start()
        deadline = time.monotonic() + 60
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the service did not start")
            time.sleep(0.01)
        return f"http://127.0.0.1:{self.server.servers[0].sockets[0].getsockname()[1]}"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(30)


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))] if ordered else float("nan")


async def one_run(url: str, rows: int) -> dict[str, object]:
    data = make_csv(rows)
    headers = {"Authorization": f"Bearer {ADMIN}"}
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=120) as client:
        event = await client.post("/api/v1/events", json={"title": "Import bench"})
        event_id = event.json()["id"]
        health: list[float] = []
        writes: list[tuple[int, float]] = []
        done = asyncio.Event()

        async def poll_health() -> None:
            while not done.is_set():
                began = time.perf_counter()
                r = await client.get("/healthz")
                health.append(time.perf_counter() - began)
                assert r.status_code == 200
                await asyncio.sleep(HEALTH_EVERY)

        async def write() -> None:
            n = 0
            while not done.is_set():
                n += 1
                began = time.perf_counter()
                r = await client.post(
                    f"/api/v1/events/{event_id}/questions",
                    json={"text": f"Asked in the room while importing, number {n}?"},
                )
                writes.append((r.status_code, time.perf_counter() - began))
                await asyncio.sleep(WRITE_EVERY)

        pollers = [asyncio.create_task(poll_health()), asyncio.create_task(write())]
        started = time.perf_counter()
        r = await client.post(
            f"/api/v1/events/{event_id}/import", files={"file": ("mailbox.csv", data, "text/csv")}
        )
        accepted = time.perf_counter() - started
        assert r.status_code == 202, r.text
        location = r.headers["location"]
        job = r.json()
        deadline = time.monotonic() + 3600  # bounded: an hour at most
        while job["status"] == "running" and time.monotonic() < deadline:
            await asyncio.sleep(1.0)
            job = (await client.get(location)).json()
        elapsed = time.perf_counter() - started
        done.set()
        await asyncio.gather(*pollers)
    return {
        "rows": rows,
        "mb": len(data) / 1e6,
        "status": job["status"],
        "accepted_s": accepted,
        "import_s": elapsed,
        "rows_per_s": rows / elapsed,
        "health_n": len(health),
        "health_p50_ms": 1000 * statistics.median(health),
        "health_p99_ms": 1000 * _pct(health, 0.99),
        "health_max_ms": 1000 * max(health),
        "writes": len(writes),
        "writes_5xx": sum(code >= 500 for code, _ in writes),
        "writes_other": sum(code != 201 and code < 500 for code, _ in writes),
        "write_p50_ms": 1000 * statistics.median(t for _, t in writes),
        "write_max_ms": 1000 * max(t for _, t in writes),
    }


def run_backend(backend: str, rows: int, tmp: str) -> dict[str, object] | None:
    schema = None
    if backend == "sqlite":
        settings = DatabaseSettings(database_url=f"sqlite+aiosqlite:///{tmp}/import.db")
    else:
        schema = f"liveq_bench_{secrets.token_hex(3)}"
        try:
            asyncio.run(pg_schema(True, schema))
        except OSError as exc:
            print(f"postgres skipped: {exc}")
            return None
        settings = DatabaseSettings(database_url=PG_URL, database_schema=schema)
    try:
        upgrade_to_head(settings)
        service = Service(settings)
        url = service.start()
        try:
            return asyncio.run(one_run(url, rows))
        finally:
            service.stop()
    finally:
        if schema is not None:
            asyncio.run(pg_schema(False, schema))


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.import_bench")
    parser.add_argument("rows", nargs="?", type=int, default=70_000)
    parser.add_argument("--backend", action="append", choices=["sqlite", "postgres"])
    args = parser.parse_args(sys.argv[1:] if __name__ == "__main__" else [])
    tmp = tempfile.mkdtemp(prefix="liveq-bench-")
    for backend in args.backend or ["sqlite", "postgres"]:
        result = run_backend(backend, args.rows, tmp)
        if result is None:
            continue
        print(
            f"{backend}: {result['rows']} rows ({result['mb']:.1f} MB) {result['status']} in "
            f"{result['import_s']:.1f} s ({result['rows_per_s']:.0f} rows/s; 202 after "
            f"{result['accepted_s']:.2f} s) | /healthz n={result['health_n']} "
            f"p50 {result['health_p50_ms']:.1f} ms, p99 {result['health_p99_ms']:.1f} ms, "
            f"max {result['health_max_ms']:.1f} ms | other writer n={result['writes']} "
            f"5xx={result['writes_5xx']} other={result['writes_other']} "
            f"p50 {result['write_p50_ms']:.0f} ms, max {result['write_max_ms']:.0f} ms",
            flush=True,
        )


if __name__ == "__main__":
    main()
