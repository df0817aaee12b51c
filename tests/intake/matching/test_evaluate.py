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
    report_offered,
    report_pairs,
)
from intake.matching.hostlog import record_merge, record_split
from intake.matching.suggest import Meaning
from tests.factories import T0


@pytest.fixture(scope="module")
def meaning():
    """The bundled sentence encoder, as the default install has it."""
    loaded = Meaning()
    loaded.load()
    assert loaded.problem is None, loaded.problem
    return loaded


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

    def test_by_words_alone_most_repeated_asks_are_merged_or_offered(self):
        out: list[str] = []
        offered = report_offered(load(EVAL_FILE, "test"), out)
        assert offered.overall >= 0.6, out
        assert offered.wrong_merges == 0, out

    def test_merged_or_offered_in_the_top_five_with_the_default_install(self, meaning):
        """Issue 14's target: merged by itself, or its question among the five offered, for
        at least 95 % of repeated asks on the held-out half (0.950 when written)."""
        out: list[str] = []
        offered = report_offered(load(EVAL_FILE, "test"), out, meaning=meaning)
        assert offered.overall >= 0.95, out
        assert offered.paraphrases >= 0.95 and offered.translations >= 0.88, out
        # The semantic stage never merges: what merged is the lexical matcher's, all right.
        assert offered.wrong_merges == 0 and offered.merged >= 41, out

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
        assert main(["--split", "tune", "--log", str(log), "--words-only"]) == 0
        out = capsys.readouterr().out
        assert "pairwise" in out and "B-cubed" in out and "hard_negative" in out
        assert "merged or offered in the top 5 (words alone)" in out
        assert "paraphrases" in out and "translations" in out
        assert "1 merges, 1 splits" in out and "finds 1/1" in out and "re-make 0/1" in out
        assert [json.loads(line)["action"] for line in log.read_text().splitlines()] == [
            "merge",
            "split",
        ]
