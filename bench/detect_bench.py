"""Question detection's cost per message (auto mode), on the labelled chat set's 1,084 messages
and on long ones (the 4,096-character maximum). Run: `.venv/bin/python -m bench.detect_bench`.

Target: ≤ 0.2 ms at p99 per message.
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
        print(f"{'messages':<28}{'n':>8}{'p50 ms':>9}{'p99 ms':>9}{'cpu p99':>9}{'max ms':>9}")
        for name, texts, rounds in (
            ("chat set (1,084 messages)", chat, ROUNDS),
            ("4,096-character messages", long, ROUNDS),
        ):
            wall, cpu = timings(texts, rounds)
            print(
                f"{name:<28}{len(wall):>8,}{pct(wall, 50):>9.4f}{pct(wall, 99):>9.4f}"
                f"{pct(cpu, 99):>9.4f}{max(wall):>9.3f}",
                flush=True,
            )
    finally:
        gc.enable()
    print("target: p99 ≤ 0.2 ms per message (detection only, in auto mode)")


if __name__ == "__main__":
    main()
