"""The default matcher: overlap of stemmed content words, with guards for what makes asks differ.

Greetings, filler and function words go; the content words left are stemmed for the ask's
language ("voting"/"vote"), and a few everyday synonyms share one word ("deadline"/"close"/"end").
Two asks are the same question when most of what the shorter one says is in the longer one: a
word the shorter ask has and the longer lacks costs a full word, a word only the longer has costs
less (a long message wraps its question in context). Guards keep hard negatives apart whatever
the overlap: different question words (when/why), different numbers, opposite words
("open"/"close"). Precision first, since a false merge hides a question from the host.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from math import log
from sys import intern

import Stemmer
from rapidfuzz.distance import OSA

from intake.matching.base import Corpus, Signature
from intake.matching.words import (
    ABBREVIATIONS,
    ANTONYMS,
    FILLER,
    FUNCTION_WORDS,
    GREETINGS,
    IMPLIED_QUESTION,
    NEGATIONS,
    PHRASES,
    QUALIFIERS,
    QUESTION_WORDS,
    STEMMERS,
    STOPWORDS,
    SYNONYMS,
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
# Function word → the languages it belongs to (guess_language's votes).
_FUNCTION_WORD_OF: dict[str, tuple[str, ...]] = {}
for _language, _words in FUNCTION_WORDS.items():
    for _word in _words:
        _FUNCTION_WORD_OF[_word] = (*_FUNCTION_WORD_OF.get(_word, ()), _language)
# Scripts that name their language outright: (first code point, last code point, language).
_SCRIPTS = ((0x0400, 0x04FF, "ru"), (0x0600, 0x06FF, "ar"), (0x0900, 0x097F, "hi"))

# What a word of the shorter ask with no partner in the longer costs, against 1 for a shared
# word; what it costs when the longer has a word of its own too (one word put for another, as
# hard negatives differ); and what a word only the longer ask has costs (a long message wraps
# its question in context). Picked on the tune split.
MISS_COST = 1.0
SUBSTITUTION_COST = 3.0
EXTRA_COST = 0.4
# Content words an ask has at most to count as short (see score_in).
SHORT = 1
# Word weights from the event's questions (see _weigher).
CORPUS_PRIOR = 50
MIN_WEIGHT = 0.1
# What a shared question kind counts, against 1 for a shared content word.
QWORD_WEIGHT = 0.5
# The score for asks whose words are mostly shared but opposite where they differ.
OPPOSITE = 40.0


@dataclass(frozen=True, slots=True)
class Content:
    """What one ask says, as the scorer reads it."""

    tokens: tuple[str, ...]  # content words, in order
    stems: tuple[str, ...]  # the same, stemmed for the ask's language
    qwords: frozenset[str]
    numbers: frozenset[str]


@cache
def _stemmer(language: str) -> Stemmer.Stemmer | None:
    name = STEMMERS.get(language)
    if not name:
        return None
    stemmer = Stemmer.Stemmer(name)
    # PyStemmer's own cache sorts all of itself each time it overflows (every few thousand
    # new words: a flood's made-up names and typos); `_STEMS` below is a plain bounded dict.
    stemmer.maxCacheSize = 0
    return stemmer


# (language, word) → stem, for the words seen lately; emptied when full.
_STEMS: dict[tuple[str, str], str] = {}
_STEMS_MAX = 50_000


def guess_language(words: list[str]) -> str:
    """The ask's language, for its stemmer: its script, or else the function words it uses
    most (English when none tell, as most asks are)."""
    for word in words:
        code = ord(word[0])
        if code >= 0x0400:
            for first, last, language in _SCRIPTS:
                if first <= code <= last:
                    return language
            return "other"
    # Each word counts for the languages it is a function word of (a look-up per word, not a
    # scan of every language's list); ties go to the first language listed, as before.
    votes = dict.fromkeys(FUNCTION_WORDS, 0)
    for word in words:
        for language in _FUNCTION_WORD_OF.get(word, ()):
            votes[language] += 1
    best = max(votes, key=votes.__getitem__)
    return best if votes[best] > votes["en"] else "en"


def stem(word: str, language: str = "en") -> str:
    """The word's stem in `language` ("grants"/"grant", "voting"/"vote"); numbers stay whole."""
    found = _STEMS.get((language, word))
    if found is not None:
        return found
    stemmer = _stemmer(language)
    if stemmer is None or not word.isalpha():
        return word
    if len(_STEMS) >= _STEMS_MAX:
        _STEMS.clear()
    found = _STEMS[language, word] = intern(stemmer.stemWord(word))
    return found


def _skip_greeting(words: list[str]) -> int:
    """Where the ask starts after a greeting: "hi maggie, …" / "hello everyone …" take the name
    after them along; "greetings from Jakarta", "good morning from Sydney": the place too."""
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
    return start


def read(match_key: str) -> Content:
    """Split a normalized text into the parts the scorer compares."""
    text = _PHRASE_RE.sub(lambda m: PHRASES[m.group(0)], match_key)
    # An abbreviation may stand for several words ("ucoc" → "universal code conduct").
    words = " ".join(ABBREVIATIONS.get(w, w) for w in text.split()).split()
    language = guess_language(words)
    tokens: list[str] = []
    qwords: set[str] = set()
    numbers: set[str] = set()
    previous = ""
    for word in words[_skip_greeting(words) :]:
        # "how much" asks for an amount; "thanks so much" does not.
        if word in _AMOUNT:
            if previous != "how":
                previous = word
                continue
            qwords.discard("how")
        previous = word
        if word in QUESTION_WORDS:
            qwords.add(QUESTION_WORDS[word])
            continue
        if word in IMPLIED_QUESTION:
            qwords.add(IMPLIED_QUESTION[word])
            if word not in SYNONYMS:
                continue  # "timeline for…" asks when, and says no more than "when"
        word = SYNONYMS.get(word, word)
        if word in NEGATIONS:
            tokens.append("not")
        elif not word.isalpha() and any(c.isdigit() for c in word):
            numbers.add(word)
            tokens.append(word)
        elif word not in _DROP:
            tokens.append(word)
    # Interned and shared where equal: 100k questions' signatures stay within tens of MB.
    words_t = tuple(map(intern, tokens))
    stems = tuple(intern(stem(t, language)) for t in tokens)
    return Content(
        words_t,
        words_t if stems == words_t else stems,
        _QWORD_SETS.setdefault(frozenset(qwords), frozenset(qwords)),
        frozenset(numbers) if numbers else _EMPTY,
    )


# A signature as plain tuples and strings, to send to another process: pickling the dataclasses
# themselves cost 19 µs a signature, these 1.2 µs.
SignatureParts = tuple[
    str,
    tuple[str, ...],
    str | None,
    tuple[str, ...],
    tuple[str, ...] | None,
    tuple[str, ...],
    tuple[str, ...],
]


def signature_parts(sig: Signature) -> SignatureParts:
    """`sig` (made by LexicalMatcher.signature) as plain parts."""
    content: Content = sig.features["c"]  # type: ignore[assignment]
    stems = None if content.stems is content.tokens else content.stems
    return (
        sig.key,
        sig.terms,
        sig.same,
        content.tokens,
        stems,
        tuple(content.qwords),
        tuple(content.numbers),
    )


def signature_from(parts: SignatureParts) -> Signature:
    """The signature whose parts these are, its words shared with this process's as read()
    shares them (100k questions' signatures stay within tens of MB)."""
    key, terms, same, tokens, stems, qwords, numbers = parts
    words = tuple(map(intern, tokens))
    qset = frozenset(qwords)
    content = Content(
        words,
        words if stems is None else tuple(map(intern, stems)),
        _QWORD_SETS.setdefault(qset, qset),
        frozenset(numbers) if numbers else _EMPTY,
    )
    return Signature(
        key=key,
        terms=tuple(map(intern, terms)),
        features={"c": content},
        same=None if same is None else intern(same),
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


def align(a: Content, b: Content) -> tuple[list[str], list[str], list[str]]:
    """The stems of `a` with a partner in `b` (the same stem, a typo, or a compound written in
    two words), and the stems left without one on each side."""
    slots: dict[str, list[int]] = {}
    for j, s in enumerate(b.stems):
        slots.setdefault(s, []).append(j)
    matched: list[str] = []
    missing: list[int] = []
    for i, s in enumerate(a.stems):
        js = slots.get(s)
        if js:
            js.pop()
            matched.append(s)
        else:
            missing.append(i)
    free = sorted(j for js in slots.values() for j in js)
    left_a: list[str] = []
    for i in missing:
        if _typo_partner(a.tokens[i], b.tokens, free) is None:
            left_a.append(a.stems[i])
        else:
            matched.append(a.stems[i])
    return matched, left_a, [b.stems[j] for j in free]


def _typo_partner(word: str, tokens: tuple[str, ...], free: list[int]) -> int | None:
    """The position among `free` of a word `word` is a typo of (taken out of `free`)."""
    for k, j in enumerate(free):
        other = tokens[j]
        if abs(len(other) - len(word)) <= 1:
            if (other[0] in word[:2] or word[0] in other[:2]) and same_word(word, other):
                del free[k]
                return j
        elif (
            word.startswith(other)
            and k + 1 < len(free)
            and free[k + 1] == j + 1
            and other + tokens[j + 1] == word
        ):
            # "layoffs" / "lay offs": a compound written in two words.
            del free[k : k + 2]
            return j
    return None


def _opposite(left_a: list[str], left_b: list[str]) -> bool:
    """Whether the words only one side has include a pair of opposites ("open"/"close") or a
    word that narrows the question ("before joining")."""
    if not _QUALIFIERS.isdisjoint(left_a) or not _QUALIFIERS.isdisjoint(left_b):
        return True
    return any(frozenset((x, y)) in _STEMMED_ANTONYMS for x in left_a for y in left_b)


_STEMMED_ANTONYMS = frozenset(frozenset(stem(w) for w in pair) for pair in ANTONYMS)
_QUALIFIERS = frozenset(stem(w) for w in QUALIFIERS)


class LexicalMatcher:
    """Precision first: a false merge hides a question from the host."""

    def __init__(self, threshold: float = 65.0) -> None:
        self.threshold = threshold

    def signature(self, match_key: str) -> Signature:
        content = read(match_key)
        terms = set(content.stems)
        # A typo usually leaves a long word's head intact.
        terms.update(intern("p:" + t[:4]) for t in content.tokens if len(t) >= 6)
        # Copies always meet. With content words, by their question kinds and stems in any
        # order: score_in aligns every word and finds nothing missing, extra or opposite, so
        # two such asks score 100 (an exact copy among them). Without, by the key itself: it
        # has spaces or equals its one word, so it never collides with another term; only a
        # key with a space is no other question's term, and so names the same question.
        same: str | None
        if content.stems:
            kinds, stems = " ".join(sorted(content.qwords)), " ".join(sorted(content.stems))
            terms.add(same := f"c:{kinds}|{stems}")
        else:
            terms.add(match_key)
            same = match_key if " " in match_key else None
        return Signature(
            key=match_key, terms=tuple(sorted(terms)), features={"c": content}, same=same
        )

    def score(self, a: Signature, b: Signature) -> float:
        return self.score_in(a, b, None)

    def score_in(self, a: Signature, b: Signature, corpus: Corpus | None) -> float:
        """The score, with each word weighed by how rare it is among `corpus`'s questions:
        "india" / "brazil" differ more than two words every question of the event uses."""
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
        short, long_ = (ca, cb) if len(ca.stems) <= len(cb.stems) else (cb, ca)
        if not short.stems:
            return 0.0
        matched, left_short, left_long = align(short, long_)
        if not matched:
            return 0.0
        # A short ask is all question: a longer one adding as many words again asks more
        # ("Where do donations go?" / "…come from?", "…next session" / "…session of the fund").
        if len(short.stems) <= SHORT and len(left_long) >= len(short.stems):
            return 0.0
        weight = _weigher(corpus)
        hits = sum(map(weight, matched)) + QWORD_WEIGHT * len(short.qwords & long_.qwords)
        misses = sum(map(weight, left_short)) + QWORD_WEIGHT * len(short.qwords - long_.qwords)
        extras = sum(map(weight, left_long)) + QWORD_WEIGHT * len(long_.qwords - short.qwords)
        # Words on both sides with no partner: one word put for another, which is how hard
        # negatives differ ("…in India" / "…in Brazil", "…vote open" / "…vote close").
        miss_cost = SUBSTITUTION_COST if left_long else MISS_COST
        score = 100.0 * hits / (hits + miss_cost * misses + EXTRA_COST * extras)
        if _opposite(left_short, left_long):
            return min(OPPOSITE, score)
        return score


def _uniform(term: str) -> float:
    return 1.0


def _weigher(corpus: Corpus | None) -> Callable[[str], float]:
    """A word's weight in (0, 1]: 1 for a word no other question holds, less the more hold it.
    A small event has too few questions to tell: CORPUS_PRIOR keeps its weights near 1."""
    if corpus is None:
        return _uniform
    size = len(corpus) + CORPUS_PRIOR
    scale = 1.0 / log(size)
    frequency = corpus.frequency
    memo = corpus.memo

    def weight(term: str) -> float:
        # An ask is scored against a dozen candidates: its words' weights are worked out once.
        known = memo.get(term)
        if known is None:
            known = memo[term] = max(MIN_WEIGHT, log(size / (frequency(term) + 1)) * scale)
        return known

    return weight
