"""Question detection's cost per message (auto mode), on the labelled chat set's messages and on
long ones (the 4,096-character maximum). Run: `.venv/bin/python -m bench.detect_bench`.

Target: ≤ 0.2 ms at p99 per message. Two views: each message timed once per round (wall and
CPU time, which on a shared 2-core machine include being preempted now and then), and each
message's own cost (the median of REPEATS back-to-back runs of it), whose p99 is over messages.
"""

from __future__ import annotations

import gc
import random
import statistics
import time

from intake.text.detect import is_question
from intake.text.evaluate import load
from models.event import QuestionMode

ROUNDS = 20
REPEATS = 9


def timings(texts: list[str], rounds: int) -> tuple[list[float], list[float]]:
    """Wall and CPU time per message, in ms, over `rounds` shuffled passes."""
    rng = random.Random(16)
    wall: list[float] = []
    cpu: list[float] = []
    for _ in range(rounds):
        order = texts[:]
        rng.shuffle(order)
        for text in order:
            w0, c0 = time.perf_counter_ns(), time.thread_time_ns()
            is_question(text, QuestionMode.auto)
            cpu.append((time.thread_time_ns() - c0) / 1e6)
            wall.append((time.perf_counter_ns() - w0) / 1e6)
    return wall, cpu


def own_costs(texts: list[str]) -> list[float]:
    """Each message's cost in ms: the median of REPEATS runs of it in a row."""
    costs = []
    for text in texts:
        runs = []
        for _ in range(REPEATS):
            w0 = time.perf_counter_ns()
            is_question(text, QuestionMode.auto)
            runs.append((time.perf_counter_ns() - w0) / 1e6)
        costs.append(statistics.median(runs))
    return costs


def pct(values: list[float], p: float) -> float:
    return statistics.quantiles(values, n=1000)[int(p * 10) - 1]


def main() -> None:
    chat = [row.text for row in load()]
    rng = random.Random(4096)
    long = [" ".join(rng.choice(chat) for _ in range(80))[:4096] for _ in range(50)]
    for text in chat[:50]:  # warm the regular expressions
        is_question(text, QuestionMode.auto)
    gc.disable()
    try:
        print(
            f"{'messages':<30}{'timings':>8}{'p50 ms':>9}{'p99 ms':>9}{'cpu p99':>9}"
            f"{'own p50':>9}{'own p99':>9}{'own max':>9}"
        )
        for name, texts in (
            (f"chat set ({len(chat):,} messages)", chat),
            ("4,096-character messages", long),
        ):
            wall, cpu = timings(texts, ROUNDS)
            own = own_costs(texts)
            print(
                f"{name:<30}{len(wall):>8,}{pct(wall, 50):>9.4f}{pct(wall, 99):>9.4f}"
                f"{pct(cpu, 99):>9.4f}{pct(own, 50):>9.4f}{pct(own, 99):>9.4f}{max(own):>9.4f}",
                flush=True,
            )
    finally:
        gc.enable()
    print(
        "p50/p99/cpu p99: each message timed once per round; own: each message's median of "
        f"{REPEATS} runs, percentiles over messages. Target: p99 ≤ 0.2 ms per message."
    )


if __name__ == "__main__":
    main()
