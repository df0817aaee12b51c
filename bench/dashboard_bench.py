"""The dashboard under load: an open queue page with 2,000 questions while 20 new questions a
second arrive for ~10 s. Measures ingest → row visible (p50/p99) and the page's long tasks.

Both ends of each latency use the same wall clock: the ingest time is written into the
question's text (epoch ms), and the page subtracts it from Date.now() when the row appears.
Run: `.venv/bin/python -m bench.dashboard_bench [existing] [rate] [seconds]`.
"""

from __future__ import annotations

import asyncio
import random
import shutil
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime

import uvicorn

from app.auth.tokens import Principal, hash_token
from app.main import create_app
from bench.events import live_event
from intake.asks import IncomingAsk
from intake.ingest import ingest
from kit.migrate import upgrade_to_head
from kit.settings import ApiSettings, DatabaseSettings
from models import Platform, Role

ADMIN = "bench" * 4

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WORDS = (
    "budget vote charter election grant board app editor policy safety wikimania chapter "
    "volunteer donation banner strategy language hiring data center legal affiliate "
    "conference mobile search archive license community research privacy translation "
    "funding review movement steward council report training event partner"
).split()

# Installed before the page's own script: rows carrying a marker report their latency.
OBSERVE = """
window.__latencies = []; window.__longtasks = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) window.__longtasks.push([e.startTime, e.duration]);
}).observe({ type: "longtask", buffered: true });
document.addEventListener("DOMContentLoaded", () => {
  const seen = new Set();
  new MutationObserver((records) => {
    const now = Date.now();
    for (const r of records) for (const node of r.addedNodes) {
      const text = node.querySelector?.(".q-text")?.textContent ?? "";
      const m = /\\[bench (\\d+) (\\d+)\\]/.exec(text);
      if (m && !seen.has(m[1])) { seen.add(m[1]); window.__latencies.push(now - Number(m[2])); }
    }
  }).observe(document.getElementById("queue"), { childList: true });
});
"""


def text(rng: random.Random, i: int) -> str:
    a, b, c, d = rng.sample(WORDS, 4)
    return f"Seed {i}: what about the {a} {b} and the {c} {d} plan number {i * 7919}?"


class Server:
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
        while not self.server.started:
            time.sleep(0.01)
        return f"http://127.0.0.1:{self.server.servers[0].sockets[0].getsockname()[1]}"

    def run(self, coro):  # type: ignore[no-untyped-def]
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(60)

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.app.state.streams.close_all)
        self.server.should_exit = True
        self.thread.join(15)


async def make_event(app) -> int:  # type: ignore[no-untyped-def]
    return await live_event(app.state.sessionmaker, title="Dashboard bench", question_mode="all")


async def add(app, event_id: int, texts: list[tuple[str, str]]) -> None:  # type: ignore[no-untyped-def]
    asks = [
        IncomingAsk(
            platform=Platform.telegram,
            source_id="bench",
            message_id=mid,
            text=t,
            asked_at=datetime.now(UTC),
            author_id=mid,
            force_question=True,
        )
        for mid, t in texts
    ]
    async with app.state.sessionmaker() as s, s.begin():
        await ingest(s, intake=app.state.intake, event_id=event_id, asks=asks)


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main() -> None:
    args = [int(a) for a in sys.argv[1:] if a.isdigit()]
    existing, rate, seconds = (args + [2000, 20, 10][len(args) :])[:3]
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright

    root = tempfile.mkdtemp(prefix="liveq-dash-bench-")
    settings = DatabaseSettings(database_url=f"sqlite+aiosqlite:///{root}/bench.db")
    upgrade_to_head(settings)
    server = Server(settings)
    url = server.start()
    try:
        app = server.app
        event_id = server.run(make_event(app))
        rng = random.Random(7)
        for start in range(0, existing, 500):
            server.run(
                add(
                    app,
                    event_id,
                    [(f"s{i}", text(rng, i)) for i in range(start, min(existing, start + 500))],
                )
            )
        session = server.run(
            app.state.web_sessions.open(
                app.state.sessionmaker, Principal("admin", Role.admin), token_hash=hash_token(ADMIN)
            )
        )
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            # The bench evaluates its own probes: let them past the page's CSP.
            context = browser.new_context(viewport={"width": 1280, "height": 860}, bypass_csp=True)
            context.add_cookies([{"name": "liveq_session", "value": session.id, "url": url}])
            page = context.new_page()
            page.add_init_script(OBSERVE)
            t0 = time.monotonic()
            page.goto(f"{url}/events/{event_id}")
            page.wait_for_function(
                f"document.querySelectorAll('#queue li.q').length >= {existing} * 0.95",
                timeout=60000,
            )
            loaded = time.monotonic() - t0
            rows = page.eval_on_selector_all("#queue li.q", "rows => rows.length")
            page.mouse.move(5, 5)  # the pointer off the list: arrivals go straight in
            page.evaluate("window.__longtasks = []")
            sent = int(rate * seconds)
            began = time.monotonic()
            for i in range(sent):
                target = began + i / rate
                if (wait := target - time.monotonic()) > 0:
                    time.sleep(wait)
                a, b = rng.sample(WORDS, 2)
                stamp = int(time.time() * 1000)
                server.run(
                    add(
                        app,
                        event_id,
                        [(f"n{i}", f"New {i}: how is the {a} {b} going [bench {i} {stamp}]?")],
                    )
                )
            try:
                page.wait_for_function(f"window.__latencies.length >= {sent}", timeout=5000)
            except PlaywrightTimeout:
                pass  # reported below: rows seen < questions sent
            latencies = page.evaluate("window.__latencies")
            longtasks = page.evaluate("window.__longtasks")
            browser.close()
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)

    print(f"page with {rows} questions loaded in {loaded:.2f} s")
    print(f"{sent} questions at {rate}/s for {seconds} s; {len(latencies)} rows seen")
    if latencies:
        print(
            f"ingest → row visible: p50 {pct(latencies, 50):.0f} ms, "
            f"p99 {pct(latencies, 99):.0f} ms, max {max(latencies):.0f} ms, "
            f"mean {statistics.mean(latencies):.0f} ms  (target p99 ≤ 500 ms)"
        )
    durations = [d for _, d in longtasks]
    print(
        f"long tasks while arriving: {len(durations)}, "
        f"total {sum(durations):.0f} ms, longest {max(durations, default=0):.0f} ms"
    )


if __name__ == "__main__":
    main()
