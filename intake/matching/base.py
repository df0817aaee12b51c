"""The matcher interface: a stronger matcher can replace the lexical one behind it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Signature:
    """What a matcher keeps of one normalized text."""

    key: str
    terms: tuple[str, ...]  # index terms for candidate generation
    features: dict[str, object] = field(default_factory=dict, compare=False)
    # One of `terms`, shared only by signatures the matcher scores 100 against each other (the
    # same words, in any order or form): the index answers such a copy without scoring.
    same: str | None = None


class Corpus(Protocol):
    """What a matcher may know of the questions it compares against (an event's open ones)."""

    # What a matcher derives per term from the corpus (a word's weight), kept until the
    # corpus changes: the corpus empties it whenever a question comes or goes.
    memo: dict[str, float]

    def frequency(self, term: str) -> int:
        """How many questions hold `term` among their index terms."""
        ...

    def __len__(self) -> int: ...


class Matcher(Protocol):
    threshold: float

    def signature(self, match_key: str) -> Signature:
        """The comparable form of a normalized text."""
        ...

    def score(self, a: Signature, b: Signature) -> float:
        """Similarity in [0, 100]; at or above `threshold` means the same question. Signatures
        sharing a `same` term score 100 (the index answers those without scoring)."""
        ...
