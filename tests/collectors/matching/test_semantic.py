"""The optional semantic stage, with a fake encoder (the real model is only in `.[semantic]`)."""

import pytest

np = pytest.importorskip("numpy")

from collectors.matching import EventIndex  # noqa: E402
from collectors.matching.semantic import SemanticMatcher  # noqa: E402
from collectors.text.normalize import normalize  # noqa: E402


class FakeModel:
    """Every text in `same` embeds to one vector; every other text to its own."""

    def __init__(self, *same: str) -> None:
        self.same = {normalize(t) for t in same}

    def encode(self, texts, **_):
        out = []
        for i, text in enumerate(texts):
            v = np.zeros(384, dtype="float32")
            v[0 if text in self.same else 1 + (hash(text) + i) % 383] = 1.0
            out.append(v)
        return out


def merges(model: FakeModel, a: str, b: str) -> bool:
    index = EventIndex(SemanticMatcher(model=model))
    index.upsert(1, normalize(a))
    return index.best(normalize(b)) is not None


class TestSemanticStage:
    def test_paraphrase_merges_on_the_embedding(self):
        a, b = "Is the foundation hiring right now?", "Are there any open positions at WMF?"
        assert merges(FakeModel(a, b), a, b)
        assert not merges(FakeModel(), a, b)

    def test_lexical_guards_still_hold(self):
        for a, b in [
            ("When does the board vote close?", "When does the board vote open?"),
            ("Where is Wikimania 2026?", "Which city hosts Wikimania 2027?"),
            ("When is the vote?", "Why is there a vote at all?"),
        ]:
            assert not merges(FakeModel(a, b), a, b), (a, b)

    def test_english_only(self):
        a, b = "¿Cuándo cierra la votación?", "¿La votación termina pronto?"
        assert not merges(FakeModel(a, b), a, b)
