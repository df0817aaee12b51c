"""The labelled chat set and the figures detection must keep on its held-out half."""

from collections import Counter

import pytest

from intake.text.evaluate import evaluate, load, main
from intake.text.question_form import has_question_mark


@pytest.fixture(scope="module")
def rows():
    return load()


class TestTheSet:
    def test_size_languages_and_kinds(self, rows):
        assert len(rows) >= 1000
        assert len({r.lang for r in rows}) >= 8
        kinds = Counter(r.kind for r in rows)
        assert kinds["question"] >= 400 and kinds["chatter"] >= 200 and kinds["near_miss"] >= 100
        questions = [r for r in rows if r.question]
        assert sum(has_question_mark(r.text) for r in questions) >= 100
        assert sum(not has_question_mark(r.text) for r in questions) >= 300

    def test_fixed_halves(self, rows):
        splits = Counter(r.split for r in rows)
        assert set(splits) == {"tune", "test"}
        assert abs(splits["tune"] - splits["test"]) <= len(rows) * 0.05
        assert len({r.id for r in rows}) == len(rows)
        for lang in {r.lang for r in rows}:
            assert {r.split for r in rows if r.lang == lang} == {"tune", "test"}


class TestHeldOutFigures:
    """A regression in detection fails here: the targets of issue 16, on the held-out half."""

    def test_thresholds(self, rows):
        scores, _ = evaluate(r for r in rows if r.split == "test")
        assert scores["form only"].precision >= 0.95
        assert scores["form only"].recall >= 0.9
        assert scores["without ?"].precision >= 0.95
        assert scores["without ?"].recall >= 0.9
        assert scores["with ?"].recall >= 0.98
        assert scores["all"].precision >= 0.95
        for lang in ("en", "fr", "es", "de", "pt", "ru", "ar", "id"):
            assert scores[f"lang {lang}"].recall >= 0.85, lang
            assert scores[f"lang {lang}"].precision >= 0.9, lang

    def test_make_eval_detect_prints_every_slice(self, capsys):
        main([])
        out = capsys.readouterr().out
        for name in ("all", "without ?", "form only", "with ?", "lang ar", "lang id"):
            assert name in out
        assert "precision" in out and "recall" in out
