"""`make eval-dedup`: how well the matcher merges duplicates, on labelled data and the host's log.

Clustering replays ingest: messages in file order, each joins the best question above the
threshold (`EventIndex.best`) or starts a new one, whose key stays the first ask's.

Run: `.venv/bin/python -m intake.matching.evaluate [--split tune] [--log PATH]`.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path
from typing import TYPE_CHECKING

from intake.matching.base import Matcher
from intake.matching.hostlog import read_log
from intake.matching.index import SUGGEST_LIMIT, EventIndex
from intake.matching.lexical import LexicalMatcher
from intake.text.normalize import normalize

if TYPE_CHECKING:
    from intake.matching.suggest import Meaning

DATA = Path(__file__).resolve().parents[2] / "tests" / "data"
EVAL_FILE = DATA / "dedup_eval.jsonl"
PAIRS_FILE = DATA / "dedup_pairs.jsonl"
# Per-language rows are printed only from this many messages up.
_MIN_LANG = 10


@dataclass(frozen=True, slots=True)
class Scores:
    precision: float
    recall: float
    tp: int
    predicted: int
    gold: int

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def load(path: Path, split: str | None) -> list[dict]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    return [r for r in rows if split is None or r["split"] == split]


def cluster(matcher: Matcher, texts: Sequence[str]) -> list[int]:
    """The question each text lands in when fed through one EventIndex, as ingest does."""
    index = EventIndex(matcher)
    embed = getattr(matcher, "embed", None)
    if embed is not None:
        embed([normalize(t) for t in texts])  # one batch, not one model call per message
    assigned: list[int] = []
    for i, text in enumerate(texts):
        key = normalize(text)
        match = index.best(key) if key else None
        if match is None:
            if key:
                index.upsert(i, key)
            assigned.append(i)
        else:
            assigned.append(match.question_id)
    return assigned


@dataclass(frozen=True, slots=True)
class Offered:
    """Of the repeated asks (their question was asked before), the share merged by itself into
    it or offered with it among the five: overall, and by kind."""

    overall: float
    paraphrases: float
    translations: float
    repeats: int
    merged: int
    wrong_merges: int


def report_offered(rows: list[dict], out: list[str], *, meaning: Meaning | None = None) -> Offered:
    """Replays the service: each ask merges by itself (the lexical matcher) or becomes a new
    question, which is offered the five most alike earlier questions (`suggest.offer`, by
    words and, with `meaning`, by meaning). An ask is a translation when no earlier ask of its
    question was in its language, else a paraphrase (mechanical variants among them)."""
    from intake.matching.suggest import candidates, offer

    index = EventIndex(LexicalMatcher())
    keys = [normalize(r["text"]) for r in rows]
    if meaning is not None:
        meaning.embed(k for k in keys if k)  # one batch, not one model call per message
    cluster_of: dict[int, str] = {}
    languages: dict[str, set[str]] = defaultdict(set)
    tally: dict[str, list[bool]] = defaultdict(list)
    merged = wrong = 0
    for i, (row, key) in enumerate(zip(rows, keys, strict=True)):
        if not key:
            continue
        gold, lang = row["cluster"], row["lang"]
        match = index.best(key)
        if match is not None:
            merged += 1
            wrong += cluster_of[match.question_id] != gold
            found = [match.question_id]
        else:
            words = candidates(index, key)
            near = meaning.nearest(0, key, index=index, also=words) if meaning is not None else {}
            found = [o.question_id for o in offer(words, near)]
            index.upsert(i, key)
            cluster_of[i] = gold
            if meaning is not None:
                meaning.add(0, [(i, key)])
        if languages[gold]:
            kind = "paraphrase" if lang in languages[gold] else "translation"
            tally[kind].append(any(cluster_of[q] == gold for q in found))
        languages[gold].add(lang)
    every = tally["paraphrase"] + tally["translation"]
    result = Offered(
        overall=_ratio(sum(every), len(every)),
        paraphrases=_ratio(sum(tally["paraphrase"]), len(tally["paraphrase"])),
        translations=_ratio(sum(tally["translation"]), len(tally["translation"])),
        repeats=len(every),
        merged=merged,
        wrong_merges=wrong,
    )
    how = "words and meaning" if meaning is not None else "words alone"
    out.append(
        f"  merged or offered in the top {SUGGEST_LIMIT} ({how}): {result.overall:.3f} of "
        f"{len(every)} repeated asks; paraphrases {result.paraphrases:.3f} "
        f"(n={len(tally['paraphrase'])}), translations {result.translations:.3f} "
        f"(n={len(tally['translation'])}); merged by itself {merged}, wrongly {wrong}"
    )
    return result


def _ratio(n: int, d: int) -> float:
    # Nothing predicted is perfectly precise; nothing to find is perfectly recalled.
    return n / d if d else 1.0


def pairwise(
    gold: Sequence[str], pred: Sequence[int], keep: Callable[[int, int], bool] = lambda i, j: True
) -> Scores:
    """Pairwise precision/recall over the message pairs `keep` selects."""
    tp = n_pred = n_gold = 0
    for i, j in combinations(range(len(gold)), 2):
        if not keep(i, j):
            continue
        same_gold, same_pred = gold[i] == gold[j], pred[i] == pred[j]
        n_gold += same_gold
        n_pred += same_pred
        tp += same_gold and same_pred
    return Scores(_ratio(tp, n_pred), _ratio(tp, n_gold), tp, n_pred, n_gold)


def bcubed(gold: Sequence[str], pred: Sequence[int], items: Iterable[int] | None = None) -> Scores:
    """B-cubed precision/recall, averaged over `items` (all messages by default)."""
    by_gold: dict[str, set[int]] = defaultdict(set)
    by_pred: dict[int, set[int]] = defaultdict(set)
    for i, (g, p) in enumerate(zip(gold, pred, strict=True)):
        by_gold[g].add(i)
        by_pred[p].add(i)
    chosen = list(range(len(gold)) if items is None else items)
    p_sum = r_sum = 0.0
    for i in chosen:
        both = len(by_gold[gold[i]] & by_pred[pred[i]])
        p_sum += both / len(by_pred[pred[i]])
        r_sum += both / len(by_gold[gold[i]])
    n = len(chosen) or 1
    return Scores(p_sum / n, r_sum / n, 0, len(chosen), len(chosen))


def same_question(matcher: Matcher, a: str, b: str) -> bool:
    """Whether an ask with text `b` merges into a question with text `a`."""
    index = EventIndex(matcher)
    key_a, key_b = normalize(a), normalize(b)
    if not key_a or not key_b:
        return False
    index.upsert(1, key_a)
    return index.best(key_b) is not None


def _row(label: str, s: Scores, extra: str = "") -> str:
    return (
        f"  {label:<22}{s.precision:>7.3f}{s.recall:>7.3f}{s.f1:>7.3f}"
        f"{s.predicted:>8}{s.gold:>7}  {extra}"
    )


def _same_language(langs: Sequence[str], lang: str) -> Callable[[int, int], bool]:
    return lambda i, j: langs[i] == langs[j] == lang


def report_messages(matcher: Matcher, rows: list[dict], out: list[str]) -> dict[str, Scores]:
    gold = [r["cluster"] for r in rows]
    langs = [r["lang"] for r in rows]
    pred = cluster(matcher, [r["text"] for r in rows])
    results: dict[str, Scores] = {}
    groups: list[tuple[str, Callable[[int, int], bool]]] = [
        ("all", lambda i, j: True),
        ("en-en", lambda i, j: langs[i] == langs[j] == "en"),
        ("non-en, same lang", lambda i, j: langs[i] == langs[j] != "en"),
        ("cross-language", lambda i, j: langs[i] != langs[j]),
    ]
    counts = Counter(langs)
    for lang, n in counts.most_common():
        if lang != "en" and n >= _MIN_LANG:
            groups.append((f"{lang}-{lang} (n={n})", _same_language(langs, lang)))
    out.append(
        f"messages: {len(rows)}, gold clusters: {len(set(gold))}, "
        f"predicted questions: {len(set(pred))}"
    )
    out.append(f"  {'pairwise':<22}{'P':>7}{'R':>7}{'F1':>7}{'pred':>8}{'gold':>7}")
    for label, keep in groups:
        results[label] = pairwise(gold, pred, keep)
        out.append(_row(label, results[label]))
    out.append(f"  {'B-cubed (per message)':<22}{'P':>7}{'R':>7}{'F1':>7}{'n':>8}")
    for label, items in [
        ("all", None),
        ("en", [i for i, x in enumerate(langs) if x == "en"]),
        ("non-en", [i for i, x in enumerate(langs) if x != "en"]),
    ]:
        s = bcubed(gold, pred, items)
        results[f"bcubed {label}"] = s
        out.append(f"  {label:<22}{s.precision:>7.3f}{s.recall:>7.3f}{s.f1:>7.3f}{s.predicted:>8}")
    return results


def report_pairs(matcher: Matcher, rows: list[dict], out: list[str]) -> Scores:
    by_kind: dict[str, list[tuple[bool, bool]]] = defaultdict(list)
    embed = getattr(matcher, "embed", None)
    if embed is not None:
        embed([normalize(t) for r in rows for t in (r["a"], r["b"])])
    for r in rows:
        by_kind[r["kind"]].append((bool(r["duplicate"]), same_question(matcher, r["a"], r["b"])))
    out.append(f"  {'kind':<22}{'n':>5}{'dup':>5}{'merged':>8}{'P':>7}{'R':>7}  false merges")
    all_pairs = [x for v in by_kind.values() for x in v]
    for kind, pairs in sorted(by_kind.items()) + [("all", all_pairs)]:
        tp = sum(d and m for d, m in pairs)
        merged = sum(m for _, m in pairs)
        dups = sum(d for d, _ in pairs)
        out.append(
            f"  {kind:<22}{len(pairs):>5}{dups:>5}{merged:>8}"
            f"{_ratio(tp, merged):>7.3f}{_ratio(tp, dups):>7.3f}  {merged - tp}"
        )
    tp = sum(d and m for d, m in all_pairs)
    merged = sum(m for _, m in all_pairs)
    dups = sum(d for d, _ in all_pairs)
    return Scores(_ratio(tp, merged), _ratio(tp, dups), tp, merged, dups)


def report_log(matcher: Matcher, path: Path, out: list[str]) -> Scores:
    """Host merges are duplicates the matcher should find; host splits are false merges."""
    entries = read_log(path)
    pairs = [
        (e["action"] == "merge", same_question(matcher, e["kept_text"], e["other_text"]))
        for e in entries
    ]
    tp = sum(d and m for d, m in pairs)
    merged = sum(m for _, m in pairs)
    dups = sum(d for d, _ in pairs)
    s = Scores(_ratio(tp, merged), _ratio(tp, dups), tp, merged, dups)
    out.append(f"host log {path}: {dups} merges, {len(pairs) - dups} splits")
    out.append(
        f"  the matcher finds {tp}/{dups} host merges (R {s.recall:.3f}); "
        f"it would re-make {merged - tp}/{len(pairs) - dups} split merges "
        f"(P {s.precision:.3f})"
    )
    return s


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m intake.matching.evaluate", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--split",
        choices=["test", "tune"],
        default="test",
        help="which half of the labelled data (tune only while tuning)",
    )
    parser.add_argument("--log", type=Path, help="also score the host's merge/split log (JSONL)")
    parser.add_argument("--threshold", type=float, help="override the matcher's threshold")
    parser.add_argument(
        "--semantic",
        action="store_true",
        help="let the embedding stage merge too (measured; the service never lets it)",
    )
    parser.add_argument(
        "--words-only",
        action="store_true",
        help="offer suggestions by words alone (as when the sentence encoder cannot load)",
    )
    parser.add_argument(
        "--cosine", type=float, help="the semantic stage's cosine threshold within one language"
    )
    parser.add_argument(
        "--cross-cosine",
        type=float,
        help="the semantic stage's cosine threshold across languages (negative: never merge)",
    )
    args = parser.parse_args(argv)
    matcher: Matcher = LexicalMatcher()
    if args.threshold is not None:
        matcher.threshold = args.threshold
    cosine = ""
    if args.semantic:
        from intake.matching import semantic

        same = semantic.COSINE if args.cosine is None else args.cosine
        cross = semantic.CROSS_COSINE if args.cross_cosine is None else args.cross_cosine
        if cross is not None and cross < 0:
            cross = None
        matcher = semantic.SemanticMatcher(
            LexicalMatcher(matcher.threshold), cosine=same, cross_cosine=cross
        )
        cosine = f", cosine {same:g} (across languages {'never' if cross is None else cross})"
    out = [
        f"matcher: {type(matcher).__name__} threshold {matcher.threshold:g}{cosine}, "
        f"split: {args.split}",
        "",
        f"== {EVAL_FILE.name}",
    ]
    messages = load(EVAL_FILE, args.split)
    report_messages(matcher, messages, out)
    report_offered(messages, out)
    if not args.words_only:
        from intake.matching.suggest import Meaning

        meaning = Meaning()
        meaning.load()
        if meaning.problem is None:
            report_offered(messages, out, meaning=meaning)
        else:
            out.append(f"  (no suggestions by meaning: {meaning.problem})")
    out += ["", f"== {PAIRS_FILE.name}"]
    report_pairs(matcher, load(PAIRS_FILE, args.split), out)
    if args.log is not None:
        out.append("")
        report_log(matcher, args.log, out)
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
