"""`make bench`: every benchmark in turn (figures go in the README's performance section)."""

from __future__ import annotations

import importlib
import sys

BENCHES = [
    "bench.ingest_bench",
    "bench.telegram_bench",
    "bench.youtube_bench",
    "bench.live_bench",
    "bench.email_bench",
    "bench.dashboard_bench",
    "bench.feed_bench",
    "bench.load_bench",
    "bench.matching_bench",
    "bench.semantic_bench",
    "bench.suggestions_bench",
    "bench.detect_bench",
    "bench.import_bench",
]


def main() -> None:
    only = sys.argv[1:]
    for name in BENCHES:
        if only and not any(o in name for o in only):
            continue
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue
            raise
        print(f"\n=== {name} ===", flush=True)
        module.main()


if __name__ == "__main__":
    main()
