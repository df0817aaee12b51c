"""Suggestions as questions arrive (issue 14): the cost per new question at 10k and 100k
questions in the event, ask → mark on the live stream with 10k questions, and the service's
memory with the sentence encoder loaded.

Run: `.venv/bin/python -m bench.suggestions_bench [cost] [latency] [memory]` (all by default;
OPENBLAS_NUM_THREADS=1 keeps numpy's idle threads from spinning into the CPU figures).
"""

from __future__ import annotations

import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

from bench.dashboard_bench import ADMIN, Server, add, make_event, pct, text
from intake.matching import EventIndex, LexicalMatcher
from intake.matching.suggest import Meaning, candidates, offer
from intake.text.normalize import normalize
from kit.migrate import upgrade_to_head
from kit.settings import DatabaseSettings

ASKS = 50


def cost(sizes: tuple[int, ...] = (10_000, 100_000)) -> None:
    """CPU per new question, in process: the lexical candidates, the model call for its text,
    the nearest by meaning over the event's matrix, the ranking, and keeping its embedding.
    The event's questions are synthetic texts with random unit vectors (the matrix product
    costs the same whatever the vectors say)."""
    import numpy as np

    meaning = Meaning()
    meaning.load()
    rng = random.Random(14)
    vectors_rng = np.random.default_rng(14)
    for n in sizes:
        index = EventIndex(LexicalMatcher())
        # Filled directly: embedding 100k texts would take minutes.
        vectors = meaning._event(n)
        started = time.perf_counter()
        for qid in range(1, n + 1):
            key = normalize(text(rng, qid))
            index.upsert(qid, key)
            v = vectors_rng.standard_normal(512).astype("float32")
            vectors.put(qid, key, v / np.linalg.norm(v))
        vectors.warmed = True
        fill = time.perf_counter() - started
        lexical, semantic, total = [], [], []
        for i in range(ASKS):
            key = normalize(
                f"How is the {' and '.join(rng.sample(text(rng, i).split(), 4))} going?"
            )
            # CPU time of the process (the machine may be shared: wall time says less).
            t0 = time.process_time()
            words = candidates(index, key)
            t1 = time.process_time()
            near = meaning.nearest(n, key, index=index, also=words)
            offer(words, near)
            meaning.add(n, [(n + 1 + i, key)])
            index.upsert(n + 1 + i, key)
            t2 = time.process_time()
            lexical.append((t1 - t0) * 1000)
            semantic.append((t2 - t1) * 1000)
            total.append((t2 - t0) * 1000)
        print(
            f"{n:>7} questions (filled in {fill:.0f} s): CPU per new question "
            f"{statistics.median(total):.1f} ms median, p99 {pct(total, 99):.1f} ms "
            f"(words {statistics.median(lexical):.2f} ms, meaning incl. the model call "
            f"{statistics.median(semantic):.1f} ms); matrices {n * (512 + 128) * 4 / 1e6:.0f} MB",
            flush=True,
        )


def latency(existing: int = 10_000, asks: int = 50) -> None:
    """Ask → the row's mark on the live stream (SSE), through the real service on SQLite."""
    root = tempfile.mkdtemp(prefix="liveq-suggest-bench-")
    settings = DatabaseSettings(database_url=f"sqlite+aiosqlite:///{root}/bench.db")
    upgrade_to_head(settings)
    server = Server(settings)
    url = server.start()
    try:
        app = server.app
        assert app.state.meaning is not None and app.state.meaning.ready.wait(120)
        event_id = server.run(make_event(app))
        rng = random.Random(7)
        seeds = [text(rng, i) for i in range(existing)]
        started = time.perf_counter()
        # Embedded in batches first, as a warm-up does: the fill is not what is measured.
        app.state.meaning.embed(normalize(t) for t in seeds)
        for start in range(0, existing, 500):
            batch = [(f"s{i}", seeds[i]) for i in range(start, min(existing, start + 500))]
            server.run(add(app, event_id, batch))
        print(f"  {existing} questions ingested in {time.perf_counter() - started:.0f} s")
        seen: dict[int, float] = {}
        arrived = threading.Condition()
        headers = {"Authorization": f"Bearer {ADMIN}"}

        def read() -> None:
            with httpx.stream(
                "GET", f"{url}/api/v1/events/{event_id}/stream", headers=headers, timeout=None
            ) as r:
                for line in r.iter_lines():
                    if not line.startswith('data: {"action"'):
                        continue
                    now = time.perf_counter()
                    for q in json.loads(line[6:])["questions"]:
                        if q.get("suggestion"):
                            with arrived:
                                seen.setdefault(q["id"], now)
                                arrived.notify_all()

        threading.Thread(target=read, daemon=True).start()
        time.sleep(1.0)  # the stream is open
        client = httpx.Client(base_url=url, headers=headers, timeout=30)
        waits: list[float] = []
        answered: list[float] = []
        missed = 0
        for _ in range(asks):
            # A paraphrase of an existing question: other words, the same plan number.
            w = seeds[rng.randrange(existing)].split()
            ask = f"Could you say how the {w[5]} {w[6]} and {w[9]} {w[10]} go, plan {w[-1]}"
            t0 = time.perf_counter()
            r = client.post(f"/api/v1/events/{event_id}/questions", json={"text": ask})
            answered.append((time.perf_counter() - t0) * 1000)
            body = r.json()
            if body["outcome"] != "created" or not body["question"]["suggestion"]:
                missed += 1
                continue
            qid = body["question"]["id"]
            with arrived:
                arrived.wait_for(lambda qid=qid: qid in seen, timeout=5)
            if qid in seen:
                waits.append((seen[qid] - t0) * 1000)
            else:
                missed += 1
        print(
            f"  ask → mark on the stream, {existing} questions: p50 "
            f"{statistics.median(waits):.0f} ms, p99 {pct(waits, 99):.0f} ms, max "
            f"{max(waits):.0f} ms over {len(waits)} asks ({missed} without a mark); the POST "
            f"itself p50 {statistics.median(answered):.0f} ms, p99 {pct(answered, 99):.0f} ms",
            flush=True,
        )
    finally:
        server.stop()


def _rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(status.split("VmRSS:")[1].split()[0]) / 1024


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


def memory() -> None:
    """RSS of `liveq serve` once ready (and of the encoder's process, with the encoder on)."""
    for semantic in ("true", "false"):
        root = Path(tempfile.mkdtemp(prefix="liveq-mem-"))
        env = {
            **os.environ,
            "LIVEQ_DATABASE_URL": f"sqlite+aiosqlite:///{root}/m.db",
            "LIVEQ_ADMIN_TOKEN": ADMIN,
            "LIVEQ_SEMANTIC_SUGGESTIONS": semantic,
        }
        port = 18_700 + (semantic == "true")
        liveq = Path(sys.executable).with_name("liveq")
        proc = subprocess.Popen(
            [str(liveq), "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            want = "by words and meaning" if semantic == "true" else "by words only"
            for _ in range(600):
                try:
                    ready = httpx.get(
                        f"http://127.0.0.1:{port}/api/v1/status",
                        headers={"Authorization": f"Bearer {ADMIN}"},
                        timeout=2,
                    ).json()
                    if ready.get("suggestions", "").startswith(want):
                        break
                except httpx.HTTPError:
                    pass
                time.sleep(0.1)
            else:
                raise RuntimeError(f"liveq serve never said suggestions are {want!r}")
            service = _rss_mb(proc.pid)
            encoder = sum(_rss_mb(c) for c in _children(proc.pid))
            print(
                f"  liveq serve, LIVEQ_SEMANTIC_SUGGESTIONS={semantic}: RSS {service:.0f} MB"
                + (f" + the encoder's process {encoder:.0f} MB" if encoder else "")
            )
        finally:
            proc.terminate()
            proc.wait(15)


def main() -> None:
    parts = [a for a in sys.argv[1:] if a in ("cost", "latency", "memory")] or [
        "cost",
        "latency",
        "memory",
    ]
    if "memory" in parts:
        memory()
    if "cost" in parts:
        cost()
    if "latency" in parts:
        latency()


if __name__ == "__main__":
    main()
