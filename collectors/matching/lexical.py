"""The default matcher: token-based fuzzy scores with guards for what makes questions differ."""

from __future__ import annotations

from rapidfuzz import fuzz

from collectors.matching.base import Signature
from collectors.matching.words import FILLER, GREETINGS, QUESTION_WORDS, STOPWORDS


def content_tokens(match_key: str) -> list[str]:
    """The words that carry the question: no greeting, filler or function words."""
    tokens = match_key.split()
    # "hi maggie, …" / "hello everyone …": drop a leading greeting and the name after it.
    while tokens and tokens[0] in GREETINGS:
        tokens = tokens[1:]
        if tokens and tokens[0] not in STOPWORDS and tokens[0] not in QUESTION_WORDS \
                and len(tokens) > 3:
            tokens = tokens[1:]
    return [t for t in tokens if t not in STOPWORDS and t not in FILLER and t not in GREETINGS]


class LexicalMatcher:
    """Precision first: a false merge hides a question from the host."""

    def __init__(self, threshold: float = 80.0) -> None:
        self.threshold = threshold

    def signature(self, match_key: str) -> Signature:
        words = match_key.split()
        content = content_tokens(match_key)
        qwords = frozenset(QUESTION_WORDS[w] for w in words if w in QUESTION_WORDS)
        numbers = frozenset(t for t in words if any(c.isdigit() for c in t))
        terms = set(content)
        terms.add("k:" + match_key)  # exact copies always meet, even with no content words
        terms.update("p:" + t[:4] for t in content if len(t) >= 5)
        return Signature(
            key=match_key,
            terms=tuple(sorted(terms)),
            features={
                "content": " ".join(content) or match_key,
                "qwords": qwords,
                "numbers": numbers,
                "n": len(content),
            },
        )

    def score(self, a: Signature, b: Signature) -> float:
        fa, fb = a.features, b.features
        if a.key == b.key:
            return 100.0
        qa, qb = fa["qwords"], fb["qwords"]
        # "When does the vote close?" and "Why is there a vote?" ask different things.
        if qa and qb and qa.isdisjoint(qb):  # type: ignore[attr-defined]
            return 0.0
        na, nb = fa["numbers"], fb["numbers"]
        # "…2027…" and "…2028…": numbers make two questions different.
        if na != nb and (na or nb):
            return 0.0
        ca, cb = str(fa["content"]), str(fb["content"])
        sort_score = fuzz.token_sort_ratio(ca, cb)
        set_score = fuzz.token_set_ratio(ca, cb)
        # token_set_ratio forgives a subset ("vote" ⊂ "vote close"): trust it only when the
        # shorter side still says most of the longer one.
        short, long_ = sorted((int(fa["n"]), int(fb["n"])))  # type: ignore[call-overload]
        coverage = short / long_ if long_ else 1.0
        return max(sort_score, set_score * min(1.0, 0.55 + coverage / 2))
