"""Does a chat message ask something, by its form and not only its punctuation?

Rules, read clause by clause: a clause asks when it opens (after greetings, fillers and at most
one addressed name: "hi Maggie, could you…") with a question word, an inverted auxiliary or a
request ("can you talk about", "I'd like to know", "any update on"), or when it ends with a
question mark and is not a bare reaction ("really?!"). Clauses about the stream's sound and
picture, small talk ("how is everyone", "anyone from Brazil?") and exclamations that borrow a
question word ("how cool is that", "qué bueno", "ما شاء الله") never ask. The word lists are in
question_words; the figures are in the README (`make eval-detect`).
"""

from __future__ import annotations

import re
import unicodedata

from intake.text import question_words as words

_END = r"(?![\w'-])"  # a word ends here: "что" does not match inside "что-то"


def _union(patterns: list[str], *, anchored: bool) -> re.Pattern[str]:
    body = "|".join(f"(?:{p}){_END}" if not p.endswith("$") else f"(?:{p})" for p in patterns)
    return re.compile(("^" if anchored else r"(?<![\w'-])") + f"(?:{body})")


_STARTS = _union(words.STARTS, anchored=True)
_NOT_STARTS = _union(words.NOT_STARTS, anchored=True)
_REQUESTS = _union(words.REQUESTS, anchored=False)
_CHATTER = _union(words.CHATTER, anchored=False)
_REACTION = re.compile(
    "^(?:" + "|".join(sorted(map(re.escape, words.REACTIONS), key=len, reverse=True)) + r")$"
)

_READ = 600  # characters of a long message whose form is read

_QUESTION_MARKS = "?？؟⸮\u037e"
_STOPS = ".!;:,¿¡…\n" + _QUESTION_MARKS
_CLAUSE = re.compile(f"([^{re.escape(_STOPS)}]+)([{re.escape(_STOPS)}]*)")
# ("mais" is also Portuguese for "more": not split on.)
_BUT = re.compile(r"\s(?:but|pero|aber|но|لكن|ولكن|tapi)\s")
_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_MENTION = re.compile(r"(?<!\w)@\w+")
# Letters, digits, spaces, apostrophes, hyphens and clause punctuation stay; emoji and
# symbols go.
_NOISE = re.compile(f"[^\\w\\s'\\-{re.escape(_STOPS)}]+")
_SPACES = re.compile(r"\s+")
_FOLD_MAP: dict[str, str | None] = {
    "’": "'",
    "‘": "'",
    "`": "'",
    "´": "'",
    "أ": "ا",
    "إ": "ا",
    "آ": "ا",
    "ٱ": "ا",
    "ى": "ي",
    "ة": "ه",
    "ـ": None,  # tatweel
    "_": " ",
    **{chr(c): None for c in range(0x064B, 0x0660)},  # harakat
    "\u0670": None,
}
_FOLD = str.maketrans(_FOLD_MAP)
_FILLER = re.compile(
    r"^(?:(?:hi|hello|hey|heya|hiya|yo|ok|okay|okey|so|and|also|well|oh|um|uh|umm|btw|sorry|"
    r"dear|all|everyone|everybody|folks|guys|team|friends|good (?:morning|afternoon|evening|day)|"
    r"bonjour|bonsoir|salut|coucou|alors|et|donc|bref|à tous|tout le monde|"
    r"hola|buenas|buenos días|buenos dias|buenas tardes|buenas noches|y|entonces|pues|oye|"
    r"a todos|hallo|servus|moin|guten (?:tag|morgen|abend)|und|zusammen|oi|olá|ola|e|então|"
    r"entao|gente|pessoal|привет|здравствуйте|добрый (?:день|вечер)|всем|и|ну|слушайте|"
    r"مرحبا|السلام عليكم|اهلا|halo|hai|salam|selamat (?:pagi|siang|sore|malam)|terus|jadi|eh|"
    r"kak|pak|bu|mas|mbak|gan|min)(?:\s+|$))+"
)
# Words that often come just before a question word in a statement ("love how…", "es como…"):
# never taken for an addressed name.
_NOT_NAMES = frozenset(
    """love see know guess exactly just like look watch is it's its this that's thats here's
    the a an that these those my our your his her their le la les el los las un una der die das
    o os as es é e c'est así asi sabe sei ver weiß weiss wie знаю вот это tahu lihat""".split()
)
# Unaccented, these also join clauses ("queria que…", "es como…"): not after a skipped name.
_JOINERS = frozenset("que como cuando quando donde onde comme quand qui was wie wo dass".split())


def has_question_mark(text: str) -> bool:
    return any(ch in _QUESTION_MARKS for ch in text)


def asks_by_form(text: str) -> bool:
    """Whether a message asks something: by its form, or by a question mark that is more than
    a reaction; chatter about the stream, small talk and exclamations never ask."""
    if len(text) > _READ:
        # A long message is no reaction: its question mark counts wherever it is, and its
        # form is read at its start (keeps the cost per message bounded).
        return has_question_mark(text) or asks_by_form(text[:_READ])
    before = 0  # words in the clause before: "the budget is going up, right?" asks
    for clause, ending in _clauses(text):
        if _CHATTER.search(clause):
            before = 0
            continue
        if any(ch in _QUESTION_MARKS for ch in ending):
            if before >= 3 or not _reaction(clause, ending):
                return True
        elif _asks(clause):
            return True
        before = len(clause.split(" "))
    return False


def _clauses(text: str) -> list[tuple[str, str]]:
    text = unicodedata.normalize("NFKC", text).casefold().translate(_FOLD)
    text = _URL.sub(" ", text)
    text = _MENTION.sub(" ", text)
    text = _NOISE.sub(" ", text)
    text = _BUT.sub(" , ", text)
    found = []
    for match in _CLAUSE.finditer(text):
        clause = _SPACES.sub(" ", match.group(1)).strip()
        if clause:
            found.append((clause, match.group(2)))
    return found


def _reaction(clause: str, ending: str) -> bool:
    """A question mark on surprise alone ("really??", "¿en serio?!", "what?!")."""
    bare = _FILLER.sub("", clause).strip() or clause
    if _REACTION.match(bare):
        return True
    exclaimed = "!" in ending or "¡" in ending
    if exclaimed and len(bare.split()) <= 3 and not _STARTS.match(bare):
        return True
    return bool(_NOT_STARTS.match(bare))


def _asks(clause: str) -> bool:
    clause = _FILLER.sub("", clause)
    if _REQUESTS.search(clause):
        return True
    tokens = clause.split(" ")
    for skip in (0, 1):
        if skip and (len(tokens) < 4 or tokens[0] in _NOT_NAMES or tokens[1] in _JOINERS):
            break
        rest = " ".join(tokens[skip:])
        if _NOT_STARTS.match(rest):
            return False
        if len(tokens) - skip >= 2 and _STARTS.match(rest):
            return True
    return False
