"""Matching latency per ask with 1k, 10k and 100k open questions in one event, beside a brute-force
rapidfuzz baseline that scores every open question. Run: `.venv/bin/python -m bench.matching_bench`.

Questions are generated from templates over a few hundred topic words, names, places and numbers,
in six languages, so postings look like a real event's (a few words everywhere, most words rare),
not a 40-word vocabulary every question shares.
"""

from __future__ import annotations

import gc
import random
import statistics
import sys
import time
import tracemalloc

from rapidfuzz import fuzz, process

from intake.matching import EventIndex, LexicalMatcher
from intake.text.normalize import normalize

SIZES = (1_000, 10_000, 100_000)
QUERIES = 2_000
# The baseline scores every question per ask: a sample is enough to time it.
BASELINE_QUERIES = {1_000: 500, 10_000: 200, 100_000: 40}

TOPICS = """board election vote ballot candidate trustee charter council ratification budget plan
grant fund scholarship fellowship donation banner campaign fundraising endowment salary travel
layoff hiring contract app editor watchlist notification dark mode offline reading list search
citation table template gadget bot tool server datacenter outage latency cache archive dump api
license copyright lawsuit court policy privacy safety harassment ban block appeal arbitration
checkuser oversight admin steward affiliate chapter user group hub conference wikimania meetup
editathon workshop training mentor newcomer volunteer burnout recognition award translation
language incubator script font keyboard accessibility screen reader video audio podcast recording
slides livestream interpretation subtitle caption map photo commons upload wikidata query lexeme
wiktionary wikisource wikibooks wikivoyage abstract function ai model chatbot summary bias
misinformation disinformation election coverage government censorship firewall vpn proxy tor
partnership museum library university school curriculum research survey metric dashboard report
audit transparency governance strategy recommendation movement equity diversity gender gap
community wishlist feature request bug ticket phabricator release deployment rollout pilot test
account password login security twofactor email spam vandalism revert patrol filter flag review
""".split()
NAMES = """Maggie Selena Jimmy Amir Lorenzo Nataliia Esra Jan Rosie Yael Kunal Hannah Dariusz
Risker Guillaume Iolanda Oluwaseun Camelia Marta Victoria Shani Raju Lodewijk Pundit Ziko Galder
""".split()
PLACES = """India Brazil Nigeria Kenya Indonesia Turkey Russia China Iran Egypt Mexico Peru Chile
Poland Ukraine Germany France Spain Portugal Japan Korea Vietnam Ghana Uganda Bangladesh Nepal
Pakistan Philippines Argentina Colombia Morocco Tunisia Ethiopia Tanzania Senegal Cameroon
""".split()
TEMPLATES = {
    "en": [
        "When will the {a} {b} be ready in {p}?",
        "How much of the {a} goes to {b} in {y}?",
        "Why was the {a} {b} delayed again, {n}?",
        "Who decides on the {a} for {b}?",
        "Is there a {a} for {b} volunteers in {p}?",
        "Can {n} explain the new {a} {b} policy?",
        "What happened to the {a} {b} after {y}?",
        "Will the {a} support {b} by {y}?",
        "Where can I find the {a} report about {b}?",
        "how many {a} requests were about {b}?",
    ],
    "es": ["¿Cuándo llegará el {a} de {b} a {p}?", "¿Por qué se retrasó el {a} {b} en {y}?"],
    "fr": ["Quand le {a} {b} sera-t-il disponible en {p} ?", "Pourquoi le {a} {b} en {y} ?"],
    "de": ["Wann kommt das {a} {b} nach {p}?", "Warum wurde das {a} für {b} {y} verschoben?"],
    "pt": ["Quando o {a} de {b} chega ao {p}?", "Quem decide sobre o {a} de {b} em {y}?"],
    "id": ["Kapan {a} {b} tersedia di {p}?", "Mengapa {a} {b} ditunda pada {y}?"],
}
GREETINGS = ["Hi Maggie! ", "Hello from {p}, ", "greetings from {p} 👋 ", "@liveq_bot ", "Q: "]


def make_question(rng: random.Random) -> str:
    lang = "en" if rng.random() < 0.7 else rng.choice([k for k in TEMPLATES if k != "en"])
    a, b = rng.sample(TOPICS, 2)
    return rng.choice(TEMPLATES[lang]).format(
        a=a, b=b, p=rng.choice(PLACES), n=rng.choice(NAMES), y=rng.randint(2015, 2030)
    )


def rephrase(rng: random.Random, text: str) -> str:
    """A duplicate as a chat would send it: a greeting, a typo, shouting or extra marks."""
    kind = rng.randrange(4)
    if kind == 0:
        return rng.choice(GREETINGS).format(p=rng.choice(PLACES)) + text
    if kind == 1:
        words = text.split()
        i = max(range(len(words)), key=lambda k: len(words[k]))
        w = words[i]
        if len(w) > 6:
            j = rng.randrange(1, len(w) - 2)
            words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2 :]
        return " ".join(words)
    if kind == 2:
        return text.upper()
    return text.rstrip("?") + "??? 🙏"


def percentile(sorted_values: list[float], q: float) -> float:
    return sorted_values[min(len(sorted_values) - 1, int(q * len(sorted_values)))]


def build(keys: list[str]) -> tuple[EventIndex, float, float]:
    """The index over `keys`, its build time (s) and its traced memory (MB)."""
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    started = time.perf_counter()
    index = EventIndex(LexicalMatcher())
    for qid, key in enumerate(keys):
        index.upsert(qid, key)
    elapsed = time.perf_counter() - started
    size = (tracemalloc.get_traced_memory()[0] - before) / 1e6
    tracemalloc.stop()
    return index, elapsed, size


def run(size: int, rng: random.Random) -> dict[str, float]:
    texts: list[str] = []
    seen: set[str] = set()
    while len(texts) < size:
        text = make_question(rng)
        if text not in seen:
            seen.add(text)
            texts.append(text)
    keys = [normalize(t) for t in texts]
    index, build_s, memory_mb = build(keys)
    # Half the asks repeat an open question in other words, half are new.
    queries = [
        rephrase(rng, rng.choice(texts)) if i % 2 else make_question(rng) for i in range(QUERIES)
    ]
    times, cpu, found = [], [], 0
    for i, query in enumerate(queries):
        started, started_cpu = time.perf_counter(), time.thread_time()
        match = index.best(normalize(query))
        cpu.append(time.thread_time() - started_cpu)
        times.append(time.perf_counter() - started)
        found += bool(i % 2 and match is not None)
    times.sort()
    cpu.sort()
    base_times = []
    for query in queries[: BASELINE_QUERIES[size]]:
        started = time.perf_counter()
        process.extractOne(normalize(query), keys, scorer=fuzz.token_set_ratio, score_cutoff=80)
        base_times.append(time.perf_counter() - started)
    base_times.sort()
    p50, p99 = percentile(times, 0.5) * 1e3, percentile(times, 0.99) * 1e3
    b50, b99 = percentile(base_times, 0.5) * 1e3, percentile(base_times, 0.99) * 1e3
    return {
        "size": size,
        "p50": p50,
        "p99": p99,
        "c50": percentile(cpu, 0.5) * 1e3,
        "c99": percentile(cpu, 0.99) * 1e3,
        "mean": statistics.fmean(times) * 1e3,
        "b50": b50,
        "b99": b99,
        "speedup": b50 / p50,
        "found": found / (QUERIES // 2),
        "memory": memory_mb,
        "build": build_s,
        "postings": max(len(p) for p in index.postings.values()),
    }


def main() -> None:
    sizes = [int(a) for a in sys.argv[1:] if a.isdigit()] or list(SIZES)
    rng = random.Random(6)
    print(
        f"{'questions':>10}{'p50 ms':>9}{'p99 ms':>9}{'cpu p50':>9}{'cpu p99':>9}"
        f"{'base p50':>10}{'base p99':>10}"
        f"{'speedup':>9}{'dups found':>11}{'index MB':>10}{'build s':>9}{'max posting':>13}"
    )
    for size in sizes:
        r = run(size, rng)
        print(
            f"{r['size']:>10,}{r['p50']:>9.3f}{r['p99']:>9.3f}{r['c50']:>9.3f}{r['c99']:>9.3f}"
            f"{r['b50']:>10.2f}{r['b99']:>10.2f}"
            f"{r['speedup']:>8.0f}×{r['found']:>11.0%}{r['memory']:>10.1f}{r['build']:>9.1f}"
            f"{r['postings']:>13,}",
            flush=True,
        )
    print(
        "p50/p99: wall clock per ask (normalize + best); cpu: the same ask's CPU time, "
        "which a busy machine disturbs less"
    )
    print(
        "baseline: rapidfuzz process.extractOne(token_set_ratio, score_cutoff=80) over every "
        "open question; speedup = baseline p50 / index p50"
    )


if __name__ == "__main__":
    main()
