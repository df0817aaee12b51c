"""`make eval-detect`: question detection's precision and recall on the labelled chat set.

tests/data/detect_eval.jsonl holds hand-written chat messages in eight languages, each labelled
question or chatter (kind: question, chatter, or near_miss — chatter that looks like a
question), with a fixed split: rules are tuned on `tune`, figures are reported on `test`.
Run: `python -m intake.text.evaluate [--split test|tune|all] [--errors]`.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from intake.text.detect import has_question_mark, is_question
from intake.text.normalize import has_marker
from models.event import QuestionMode

DATA = Path(__file__).resolve().parents[2] / "tests" / "data" / "detect_eval.jsonl"


@dataclass(frozen=True)
class Labelled:
    id: str
    lang: str
    text: str
    question: bool
    kind: str
    split: str


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    def add(self, *, truth: bool, said: bool) -> None:
        if truth and said:
            self.tp += 1
        elif said:
            self.fp += 1
        elif truth:
            self.fn += 1
        else:
            self.tn += 1

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def n(self) -> int:
        return self.tp + self.fp + self.fn + self.tn


def load(path: Path = DATA) -> list[Labelled]:
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        raw = json.loads(line)
        if raw.get("label") not in ("question", "chatter"):
            raise ValueError(f"{path.name} line {number}: label must be question or chatter")
        rows.append(
            Labelled(
                id=raw["id"],
                lang=raw["lang"],
                text=raw["text"],
                question=raw["label"] == "question",
                kind=raw["kind"],
                split=raw["split"],
            )
        )
    return rows


def evaluate(rows: Iterable[Labelled]) -> tuple[dict[str, Score], list[tuple[Labelled, bool]]]:
    """Scores by slice (all, with "?", without "?", form only, per language) and the errors."""
    scores: dict[str, Score] = {}
    errors = []
    for row in rows:
        said = is_question(row.text, QuestionMode.auto)
        marked = "with ?" if has_question_mark(row.text) else "without ?"
        names = ["all", marked, f"lang {row.lang}"]
        if marked == "without ?" and not has_marker(row.text):
            names.append("form only")  # neither a question mark nor a marker: form alone
        for name in names:
            scores.setdefault(name, Score()).add(truth=row.question, said=said)
        if said != row.question:
            errors.append((row, said))
    return scores, errors


def report(scores: dict[str, Score]) -> str:
    langs = sorted(k for k in scores if k.startswith("lang "))
    order = ["all", "without ?", "form only", "with ?", *langs]
    lines = [f"{'slice':<12} {'n':>5} {'precision':>10} {'recall':>8}"]
    for name in order:
        if name in scores:
            s = scores[name]
            lines.append(f"{name:<12} {s.n:>5} {s.precision:>10.3f} {s.recall:>8.3f}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=["test", "tune", "all"], default="test")
    parser.add_argument("--errors", action="store_true", help="list the messages got wrong")
    args = parser.parse_args(argv)
    rows = [r for r in load() if args.split == "all" or r.split == args.split]
    scores, errors = evaluate(rows)
    langs = len({r.lang for r in rows})
    print(
        f"question detection (auto mode) on {len(rows)} messages, {langs} languages,"
        f" split {args.split}"
    )
    print(report(scores))
    if args.errors:
        for row, _said in errors:
            what = "missed" if row.question else f"false ({row.kind})"
            print(f"  {what:<20} {row.lang} {row.text}")


if __name__ == "__main__":
    main()
