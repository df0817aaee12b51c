"""Questions that mean the same in other words or another language, to offer a moderator.

The matcher merges by itself only at high precision; a moderator merging by hand can judge looser
candidates. With the semantic extra installed and `LIVEQ_SEMANTIC_SUGGESTIONS=true`, the
questions whose embeddings lie nearest fill the suggestions the words alone leave empty —
translations among them. On the labelled set's tune half, a cosine floor of 0.5 raises how often
a true duplicate is offered from 61 % (words alone) to 82 % (`make eval-dedup
EVAL_ARGS=--semantic` reports the held-out half).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from intake.matching.semantic import Encoder, load_model
from intake.text.language import detect_language

if TYPE_CHECKING:
    import numpy as np

COSINE_FLOOR = 0.5
# Embeddings kept (by normalized text): an event of this many questions needs no re-embedding.
_KEEP = 200_000


@dataclass(frozen=True, slots=True)
class Near:
    question_id: int
    cosine: float


@dataclass
class MeaningIndex:
    """Embeddings of questions' normalized texts, made on first need and kept."""

    encoder: Encoder | None = None
    floor: float = COSINE_FLOOR
    _vectors: dict[str, np.ndarray] = field(default_factory=dict)
    _languages: dict[str, str | None] = field(default_factory=dict)
    # Requests call from worker threads: one at a time touches the model and the caches.
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def nearest(self, key: str, candidates: Mapping[int, str], *, limit: int) -> list[Near]:
        """Up to `limit` of `candidates` (question id → normalized text) nearest `key` in
        meaning, at or above the floor, nearest first. CPU-bound: call it from a thread."""
        with self._lock:
            return self._nearest(key, candidates, limit)

    def _nearest(self, key: str, candidates: Mapping[int, str], limit: int) -> list[Near]:
        import numpy as np

        if limit <= 0 or not candidates or not self._understood(key):
            return []
        ids = [qid for qid, other in candidates.items() if self._understood(other)]
        if not ids:
            return []
        self._embed([key, *(candidates[qid] for qid in ids)])
        matrix = np.stack([self._vectors[candidates[qid]] for qid in ids])
        cosines = matrix @ self._vectors[key]
        order = np.argsort(-cosines, kind="stable")[:limit]
        return [Near(ids[i], float(cosines[i])) for i in order if cosines[i] >= self.floor]

    def _understood(self, key: str) -> bool:
        """Whether the model was trained on the text's language (elsewhere its cosines mislead)."""
        if key not in self._languages:
            self._languages[key] = detect_language(key)
        return self._languages[key] in self._model().languages

    def _embed(self, keys: list[str]) -> None:
        todo = [k for k in dict.fromkeys(keys) if k not in self._vectors]
        if not todo:
            return
        if len(self._vectors) + len(todo) > _KEEP:
            self._vectors.clear()
            self._languages.clear()
            todo = list(dict.fromkeys(keys))
        self._vectors.update(zip(todo, self._model().encode(todo), strict=True))

    def _model(self) -> Encoder:
        if self.encoder is None:
            self.encoder = load_model()
        return self.encoder
