"""The matcher's figures on the held-out half of the labelled data (computed, so they can fail)."""

import json

import pytest

from intake.matching import LexicalMatcher
from intake.matching.evaluate import (
    EVAL_FILE,
    PAIRS_FILE,
    bcubed,
    cluster,
    load,
    main,
    pairwise,
    report_pairs,
    report_suggestions,
)
from intake.matching.hostlog import record_merge, record_split
from tests.factories import T0


@pytest.fixture(scope="module")
def held_out():
    rows = load(EVAL_FILE, "test")
    pred = cluster(LexicalMatcher(), [r["text"] for r in rows])
    return pairwise([r["cluster"] for r in rows], pred)


class TestHeldOut:
    def test_pairwise_precision(self, held_out):
        assert held_out.precision >= 0.97, held_out

    @pytest.mark.xfail(
        strict=True,
        reason=(
            "issue 6 target; the lexical matcher's held-out pairwise recall is ~0.03: 54% of gold "
            "pairs are cross-language and nearly all same-language pairs are paraphrases"
        ),
    )
    def test_pairwise_recall_target(self, held_out):
        assert held_out.recall >= 0.85, held_out

    def test_pairwise_recall_does_not_regress(self, held_out):
        assert held_out.recall >= 0.025, held_out

    def test_suggestions_offer_a_true_duplicate_for_most_repeated_asks(self):
        out: list[str] = []
        rate = report_suggestions(load(EVAL_FILE, "test"), out)
        assert rate >= 0.55, out

    def test_pairs_file_precision_and_surface_recall(self):
        out: list[str] = []
        scores = report_pairs(LexicalMatcher(), load(PAIRS_FILE, "test"), out)
        assert scores.precision >= 0.97, "\n".join(out)
        assert scores.recall >= 0.5, "\n".join(out)


class TestMeasures:
    def test_pairwise_and_bcubed_by_hand(self):
        gold = ["a", "a", "a", "b"]
        pred = [1, 1, 2, 2]
        s = pairwise(gold, pred)
        assert (s.tp, s.predicted, s.gold) == (1, 2, 3)
        b = bcubed(gold, pred)
        # per item P: 1, 1, 1/2, 1/2; R: 2/3, 2/3, 1/3, 1
        assert b.precision == pytest.approx(0.75)
        assert b.recall == pytest.approx((2 / 3 + 2 / 3 + 1 / 3 + 1) / 4)

    def test_cluster_replays_ingest(self):
        texts = ["When does the vote close?", "hi! when does the vote close??", "Budget share?"]
        assert cluster(LexicalMatcher(), texts) == [0, 0, 2]


class TestCommand:
    def test_prints_the_report_with_a_host_log(self, tmp_path, capsys):
        log = tmp_path / "merges.jsonl"
        record_merge(
            log,
            event_id=1,
            kept_text="When does the vote close?",
            merged_text="Hi! when does the vote close??",
            at=T0,
        )
        record_split(
            log,
            event_id=1,
            kept_text="When does the vote close?",
            split_text="When does the vote open?",
            at=T0,
        )
        assert main(["--split", "tune", "--log", str(log)]) == 0
        out = capsys.readouterr().out
        assert "pairwise" in out and "B-cubed" in out and "hard_negative" in out
        assert "1 merges, 1 splits" in out and "finds 1/1" in out and "re-make 0/1" in out
        assert [json.loads(line)["action"] for line in log.read_text().splitlines()] == [
            "merge",
            "split",
        ]
