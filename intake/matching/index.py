"""Per-event candidate index: postings of index terms, kept in memory, refreshed from the database.

The index is advisory. Candidates it proposes are checked against the database rows before an
ask is attached, so a stale entry (another process edited a question) costs a missed candidate,
never a wrong merge.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Container, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from operator import itemgetter

from intake.matching.base import Matcher, Signature

# Postings read per query, at most: the work per ask stays bounded however many questions share
# the query's words.
_BUDGET = 1_000
_MAX_TERMS = 10
# A term held by more than this share of an event's questions (of at least _COMMON_FROM) tells
# none of them apart: the matcher weighs it near its floor. Once rarer terms have found
# candidates, it only ranks them, however much of the budget is left.
_COMMON_SHARE = 0.5
_COMMON_FROM = 64
_MAX_CANDIDATES = 16
# Where suggestions to merge by hand start (the matcher merges by itself far above): on the
# tune half of the labelled set, a true duplicate is among the top five for 61 % of repeated
# asks at this floor, with two suggestions an ask on average (`make eval-dedup` reports it).
SUGGEST_FLOOR = 10.0
SUGGEST_LIMIT = 5


@dataclass(slots=True)
class Match:
    question_id: int
    score: float


@dataclass
class EventIndex:
    matcher: Matcher
    signatures: dict[int, Signature] = field(default_factory=dict)
    postings: dict[str, set[int]] = field(default_factory=dict)
    # The matcher's per-term figures (Corpus.memo), valid until the postings change.
    memo: dict[str, float] = field(default_factory=dict)
    # Rows updated at or after this instant are read again at the next refresh.
    refreshed_until: datetime | None = None

    def __len__(self) -> int:
        return len(self.signatures)

    def frequency(self, term: str) -> int:
        """How many indexed questions hold `term` (a matcher weighs rare words above common)."""
        posting = self.postings.get(term)
        return len(posting) if posting is not None else 0

    def upsert(
        self, question_id: int, match_key: str, signature: Signature | None = None
    ) -> Signature:
        """Index a question (`signature`, when the caller has it, saves computing it again)."""
        old = self.signatures.get(question_id)
        if old is not None and old.key == match_key:
            return old
        if old is not None:
            self.discard(question_id)
        sig = signature if signature is not None else self.matcher.signature(match_key)
        self.signatures[question_id] = sig
        self.memo.clear()
        for term in sig.terms:
            self.postings.setdefault(term, set()).add(question_id)
        return sig

    def rekey(self, old_id: int, new_id: int) -> None:
        """A question indexed under a provisional id got its real one. (Every posting keeps
        its size, so the matcher's per-term figures stay valid.)"""
        sig = self.signatures.pop(old_id, None)
        if sig is None:
            return
        self.signatures[new_id] = sig
        for term in sig.terms:
            posting = self.postings[term]
            posting.discard(old_id)
            posting.add(new_id)

    def discard(self, question_id: int) -> None:
        sig = self.signatures.pop(question_id, None)
        if sig is None:
            return
        self.memo.clear()
        for term in sig.terms:
            posting = self.postings.get(term)
            if posting is not None:
                posting.discard(question_id)
                if not posting:
                    del self.postings[term]

    def candidates(self, sig: Signature) -> list[tuple[int, int]]:
        """(question, terms shared) for questions sharing the query's rarest terms, most
        shared first."""
        lists = sorted((p for t in sig.terms if (p := self.postings.get(t))), key=len)
        counts: Counter[int] = Counter()
        budget = _BUDGET
        size = len(self.signatures)
        common = int(size * _COMMON_SHARE) if size >= _COMMON_FROM else size
        pool: set[int] | None = None
        # Rarest terms first (an exact copy's key term is rarest of all), read within a budget;
        # a common term only ranks what the rare ones found (a set intersection over at most
        # the budget, in C). The work per ask stays bounded however many questions share words.
        for posting in lists[:_MAX_TERMS]:
            if pool is None and len(posting) <= budget and (len(posting) <= common or not counts):
                counts.update(posting)
                budget -= len(posting)
                continue
            if not counts:
                # Even the rarest term is everywhere: an arbitrary slice bounds the work; a
                # duplicate sharing only common words is missed, never mis-merged.
                counts.update(islice(posting, budget))
            if pool is None:
                pool = set(counts)
            counts.update(pool & posting)
        if len(counts) <= _MAX_CANDIDATES:
            return list(counts.items())
        ranked = sorted(counts.items(), key=itemgetter(1), reverse=True)
        return ranked[:_MAX_CANDIDATES]

    def best(
        self,
        match_key: str,
        *,
        exclude: set[int] | frozenset[int] = frozenset(),
        signature: Signature | None = None,
    ) -> Match | None:
        """The best-scoring question at or above the threshold, if any."""
        sig = signature if signature is not None else self.matcher.signature(match_key)
        exact = self._exact(sig, exclude)
        if exact is not None:
            return Match(exact, 100.0)
        best: Match | None = None
        # A matcher may rule a candidate out from the number of terms it shares, unscored —
        # only when every query term was read, so the shared counts are complete.
        could_match = (
            getattr(self.matcher, "could_match", None) if len(sig.terms) <= _MAX_TERMS else None
        )
        for match in self._scored(sig, exclude, could_match):
            if match.score >= self.matcher.threshold and (best is None or match.score > best.score):
                best = match
        return best

    def _exact(self, sig: Signature, exclude: set[int] | frozenset[int]) -> int | None:
        """The oldest question sharing the ask's `same` term, if any (a copy-paste, the same
        words in other case, punctuation, order or form, after a greeting): the matcher scores
        it 100, so nothing else needs reading."""
        if sig.same is None:
            return None
        posting = self.postings.get(sig.same)
        if not posting:
            return None
        left = posting - exclude if exclude else posting
        # Real ids count up from the oldest; a batch's provisional ones count down after them.
        return min(left, key=lambda q: (q < 0, abs(q))) if left else None

    def nearest(
        self,
        match_key: str,
        *,
        limit: int,
        floor: float,
        exclude: Container[int] = frozenset(),
        signature: Signature | None = None,
    ) -> list[Match]:
        """Up to `limit` questions scoring at least `floor`, best first: likely duplicates to
        suggest to a moderator, below the threshold the matcher merges at by itself."""
        sig = signature if signature is not None else self.matcher.signature(match_key)
        found = [m for m in self._scored(sig, exclude, None) if m.score >= floor]
        return sorted(found, key=lambda m: (-m.score, m.question_id))[:limit]

    def _scored(
        self,
        sig: Signature,
        exclude: Container[int],
        could_match: Callable[[Signature, Signature, int], bool] | None,
    ) -> Iterator[Match]:
        # A matcher that weighs words by how common they are in the event reads them here.
        score_in = getattr(self.matcher, "score_in", None)
        for qid, shared in self.candidates(sig):
            if qid in exclude:
                continue
            other = self.signatures[qid]
            if could_match is not None and not could_match(sig, other, shared):
                continue
            if score_in is not None:
                yield Match(qid, score_in(sig, other, self))
            else:
                yield Match(qid, self.matcher.score(sig, other))


class IndexRegistry:
    """One EventIndex per event, made at start-up and shared by every ingest in the process."""

    def __init__(self, matcher: Matcher) -> None:
        self.matcher = matcher
        self._indexes: dict[int, EventIndex] = {}

    def get(self, event_id: int) -> EventIndex:
        index = self._indexes.get(event_id)
        if index is None:
            index = self._indexes[event_id] = EventIndex(self.matcher)
        return index

    def forget(self, event_id: int) -> None:
        self._indexes.pop(event_id, None)
