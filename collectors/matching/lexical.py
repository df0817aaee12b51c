"""The default matcher: aligned content words, with guards for what makes questions differ.

Two asks are the same question when, after greetings, filler and function words are gone, every
content word of one is found in the other (exactly, as a plural, or with a typo), and either
nothing is left over or the shorter ask sits whole inside the longer message ("Hi Maggie, long-time
reader here. <question> Thanks!"). A content word on each side with no partner ("…vote close" /
"…vote open", "India" / "Brazil") means two different questions: precision first, since a false
merge hides a question from the host.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from sys import intern

from rapidfuzz.distance import OSA

from collectors.matching.base import Signature
from collectors.matching.words import (
    ABBREVIATIONS,
    FILLER,
    GREETINGS,
    NEGATIONS,
    PHRASES,
    QUESTION_WORDS,
    STOPWORDS,
)

_PHRASE_RE = re.compile(
    r"\b(?:" + "|".join(map(re.escape, sorted(PHRASES, key=len)[::-1])) + r")\b"
)
# "#q" and "#question" at the end of a message are markers too.
_DROP = STOPWORDS | FILLER | GREETINGS | {"q", "question"}
_AMOUNT = frozenset({"much", "many"})
_SALUTATIONS = frozenset("good morning evening afternoon everyone all folks team".split())
_EMPTY: frozenset[str] = frozenset()
# The few question-word sets there are, shared by every signature.
_QWORD_SETS: dict[frozenset[str], frozenset[str]] = {}
# Words of the shorter ask with no exact partner that may still be typos; more is another question.
_MAX_TYPOS = 3


@dataclass(frozen=True, slots=True)
class Content:
    """What one ask says, as the scorer reads it."""

    tokens: tuple[str, ...]  # content words, in order
    stems: tuple[str, ...]  # the same, plurals stripped
    qwords: frozenset[str]
    numbers: frozenset[str]


def stem(word: str) -> str:
    """A light, language-blind plural strip: enough for "grants"/"grant", "salaries"/"salary"."""
    if len(word) > 4 and word.isalpha():
        if word.endswith("ies"):
            return word[:-3] + "y"
        if word.endswith("s") and not word.endswith(("ss", "us", "is")):
            return word[:-1]
    return word


def read(match_key: str) -> Content:
    """Split a normalized text into the parts the scorer compares."""
    text = _PHRASE_RE.sub(lambda m: PHRASES[m.group(0)], match_key)
    words = [ABBREVIATIONS.get(w, w) for w in text.split()]
    words = [w for w in words if w]
    # "hi maggie, …" / "hello everyone …": a leading greeting takes the name after it along;
    # "greetings from Jakarta", "good morning from Sydney": and the place it comes from.
    start, greeted = 0, False
    while start < len(words):
        word = words[start]
        if word in GREETINGS or word in _SALUTATIONS:
            start, greeted = start + 1, True
            if (
                word in GREETINGS
                and start < len(words) - 3
                and words[start] not in _DROP
                and words[start] not in QUESTION_WORDS
            ):
                start += 1
        elif greeted and word == "from" and start < len(words) - 3:
            start += 2
        else:
            break
    tokens: list[str] = []
    qwords: set[str] = set()
    numbers: set[str] = set()
    previous = ""
    for word in words[start:]:
        # "how much" asks for an amount; "thanks so much" does not.
        if word in _AMOUNT:
            if previous != "how":
                previous = word
                continue
            qwords.discard("how")
        previous = word
        if word in QUESTION_WORDS:
            qwords.add(QUESTION_WORDS[word])
        elif word in NEGATIONS:
            tokens.append("not")
        elif any(c.isdigit() for c in word):
            numbers.add(word)
            tokens.append(word)
        elif word not in _DROP:
            tokens.append(word)
    # Interned and shared where equal: 100k questions' signatures stay within tens of MB.
    words_t = tuple(map(intern, tokens))
    stems = tuple(map(intern, map(stem, tokens)))
    return Content(
        words_t,
        words_t if stems == words_t else stems,
        _QWORD_SETS.setdefault(frozenset(qwords), frozenset(qwords)),
        frozenset(numbers) if numbers else _EMPTY,
    )


def same_word(a: str, b: str) -> bool:
    """Equal, or one typo apart (a transposition in short words, two edits in long ones)."""
    if a == b:
        return True
    short = min(len(a), len(b))
    if short < 4 or not a.isalpha() or not b.isalpha() or abs(len(a) - len(b)) > 1:
        return False
    if short == 4:
        # "sude"/"sued" is a typo; "vote"/"note" is another word.
        return len(a) == len(b) and sorted(a) == sorted(b) and OSA.distance(a, b) == 1
    if a[0] != b[0] and a[1:2] != b[:1]:
        return False  # a different first letter is more often a different word
    return OSA.distance(a, b, score_cutoff=2 if short >= 8 else 1) <= (2 if short >= 8 else 1)


def align(a: Content, b: Content) -> tuple[list[int], list[int], list[int]] | None:
    """Positions in `b` matched by `a`'s tokens in order, and the unmatched positions of each;
    None when more of `a` is unmatched than typos explain."""
    slots: dict[str, list[int]] = {}
    for j, s in enumerate(b.stems):
        slots.setdefault(s, []).append(j)
    hits: list[int | None] = [None] * len(a.tokens)
    missing = []
    for i, s in enumerate(a.stems):
        js = slots.get(s)
        if js:
            hits[i] = js.pop(0)
        else:
            missing.append(i)
    if len(missing) > _MAX_TYPOS:
        return None
    if missing:
        free = [j for js in slots.values() for j in js]
        for i in missing:
            tok = a.tokens[i]
            for j in free:
                other = b.tokens[j]
                if abs(len(other) - len(tok)) <= 1:
                    if (other[0] in tok[:2] or tok[0] in other[:2]) and same_word(tok, other):
                        free.remove(j)
                        hits[i] = j
                        break
                elif tok.startswith(other) and j + 1 in free and other + b.tokens[j + 1] == tok:
                    # "layoffs" / "lay offs": a compound written in two words.
                    free.remove(j)
                    free.remove(j + 1)
                    hits[i] = j
                    break
    matched = [h for h in hits if h is not None]
    taken = set(matched)
    return (
        matched,
        [i for i, h in enumerate(hits) if h is None],
        [j for j in range(len(b.tokens)) if j not in taken],
    )


class LexicalMatcher:
    """Precision first: a false merge hides a question from the host."""

    def __init__(self, threshold: float = 80.0) -> None:
        self.threshold = threshold

    def signature(self, match_key: str) -> Signature:
        content = read(match_key)
        terms = set(content.stems)
        # Exact copies always meet, even with no content words. The key itself is the term:
        # it has spaces or equals its one word, so it never collides with another term.
        terms.add(match_key)
        # A typo usually leaves a long word's head intact.
        terms.update(intern("p:" + t[:4]) for t in content.tokens if len(t) >= 6)
        return Signature(key=match_key, terms=tuple(sorted(terms)), features={"c": content})

    def could_match(self, a: Signature, b: Signature, shared: int) -> bool:
        """False when `a` and `b` share too few index terms for score() to pass: score()
        refuses when more of the shorter side's words than typos explain are missing from the
        longer, and `shared` (distinct terms in common, stems among them) bounds the words
        that are not missing."""
        if a.key == b.key:
            return True
        ca: Content = a.features["c"]  # type: ignore[assignment]
        cb: Content = b.features["c"]  # type: ignore[assignment]
        short = ca if len(ca.tokens) <= len(cb.tokens) else cb
        return len(set(short.stems)) - shared <= _MAX_TYPOS

    def score(self, a: Signature, b: Signature) -> float:
        if a.key == b.key:
            return 100.0
        ca: Content = a.features["c"]  # type: ignore[assignment]
        cb: Content = b.features["c"]  # type: ignore[assignment]
        # "When does the vote close?" and "Why is there a vote?" ask different things.
        if ca.qwords and cb.qwords and ca.qwords.isdisjoint(cb.qwords):
            return 0.0
        # "…2027…" and "…2028…": numbers make two questions different.
        if ca.numbers and cb.numbers and ca.numbers != cb.numbers:
            return 0.0
        short, long_ = (ca, cb) if len(ca.tokens) <= len(cb.tokens) else (cb, ca)
        if not short.tokens:
            return 0.0
        # More words without an exact partner than typos explain: another question.
        if sum(s not in long_.stems for s in short.stems) > _MAX_TYPOS:
            return 0.0
        aligned = align(short, long_)
        if aligned is None:
            return 0.0
        matched, left_short, left_long = aligned
        if left_short:
            # Both sides say something the other does not: a substitution, another question.
            return 50.0 * len(matched) / len(long_.tokens)
        if not left_long:
            return 100.0 if short.qwords == long_.qwords else 92.0
        # The longer ask says more: the same question only if it asks it the same way…
        if short.qwords != long_.qwords:
            return 40.0
        extra, n = len(left_long), len(short.tokens)
        if extra == 1 and n >= 3:
            return 85.0
        # …or holds the shorter one whole, inside a longer message ("Hi Maggie, long-time reader
        # here. <question> Thanks!"). Two content words are a question only after a preamble:
        # "…next session" / "…next session of the rapid fund?" differ.
        embedded = matched == list(range(matched[0], matched[0] + n))
        if embedded and (n >= 3 or (n == 2 and matched[-1] == len(long_.tokens) - 1)):
            return 90.0
        return 100.0 * n / (n + 2 * extra)
