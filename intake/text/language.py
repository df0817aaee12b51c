"""Which language a question is in (ISO 639-1), so a moderator can find and merge translations.

lingua in low-accuracy mode, restricted to the languages we see: ~0.5 s and ~30 MB on first use,
~1 ms per text. Low-accuracy mode reads short English chat as Spanish or French ("wikimania
2025 videos?"), so English function words overrule it in Latin-script text.
"""

from __future__ import annotations

import re
from functools import cache
from typing import TYPE_CHECKING

from intake.text.normalize import normalize

if TYPE_CHECKING:
    from lingua import LanguageDetector

LANGUAGES = "en es fr de pt it nl id ru uk ar fa hi bn tr zh ja ko sw".split()

_ENGLISH = frozenset(
    """the is are will can do does did for to of in on we you i how what when why where who
    there be and this it my our your any with from at about have has""".split()
)
# One English function word in this many words marks Latin-script text as English.
_ENGLISH_EVERY = 6
# Anything past Latin, Latin-1 and Latin Extended-A/B.
_NOT_LATIN = re.compile("[^\x00-\u024f]")


@cache
def detector() -> LanguageDetector:
    """Built once, on first use (not at import: most processes never detect a language)."""
    from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

    languages = [Language.from_iso_code_639_1(getattr(IsoCode639_1, c.upper())) for c in LANGUAGES]
    return LanguageDetectorBuilder.from_languages(*languages).with_low_accuracy_mode().build()


def detect_language(text: str, *, normalized: str | None = None) -> str | None:
    """The ISO 639-1 code of the text's language, or None when there are no words to tell by
    (`normalized`: `normalize(text)`, when the caller has it)."""
    key = normalize(text) if normalized is None else normalized
    if not key:
        return None
    words = key.split()
    english = sum(w in _ENGLISH for w in words)
    if english and english * _ENGLISH_EVERY >= len(words) and not _NOT_LATIN.search(key):
        return "en"
    language = detector().detect_language_of(key)
    return None if language is None else language.iso_code_639_1.name.lower()
