"""Word lists the lexical matcher leans on (casefolded, as normalize() leaves them)."""

from __future__ import annotations

# Question word → the kind of answer it asks for, across the languages we cover.
QUESTION_WORDS: dict[str, str] = {}
for kind, words in {
    "when": "when quand cuándo cuando wann quando когда متى कब kapan",
    "why": "why pourquoi por porqué warum weshalb wieso почему зачем لماذا क्यों mengapa kenapa",
    "how": "how comment cómo como wie как كيف कैसे bagaimana",
    "who": "who whom whose qui quién quiénes wer quem кто من कौन siapa",
    "where": "where où dónde donde wo onde где أين कहाँ कहां mana",
    # German "was" is left out: it is English "was" far more often here.
    "what": "what quoi qué que что ماذا ما क्या apa",
    "which": "which quel quelle lequel cuál welche welcher qual который какой أي कौनसा",
    "howmuch": "much many combien cuánto cuántos wieviel quanto quantos сколько كم कितना कितने "
    "berapa",
}.items():
    for word in words.split():
        QUESTION_WORDS.setdefault(word, kind)

GREETINGS = frozenset(
    """hi hello hey hiya heya greetings yo dear thanks thank thx ty cheers
    bonjour salut merci hola gracias hallo danke servus olá ola obrigado obrigada
    привет здравствуйте спасибо مرحبا شكرا السلام नमस्ते धन्यवाद halo terima kasih""".split()
)

FILLER = frozenset(
    """please pls plz pl kindly just really actually basically maybe perhaps also
    question quick curious wondering wonder know like ask asking want wanted would could
    can everyone folks guys team all love great talk amazing session stream
    svp por favor bitte favor пожалуйста""".split()
)

# Function words by language: dropped before matching, and counted to pick a stemmer.
FUNCTION_WORDS: dict[str, frozenset[str]] = {
    lang: frozenset(words.split()) - frozenset(QUESTION_WORDS)
    for lang, words in {
        "en": """a an the and or but if of to in on at by for with from into about as is are was
        were be been being am do does did doing have has had having will shall should may might
        must i me my we our us you your he she it its they them their this that these those there
        here so than then too very not no yes any some more most other such only own same get
        got going go goes gonna wanna u ur r re s t ve ll d m""",
        "fr": "le la les un une des du de et ou est sont à au aux en pour par sur dans ce cette "
        "ces il elle nous vous ils je tu on y",
        "es": "el la los las unos unas y o es son del al en para por con se lo su sus mi",
        "de": "der die das ein eine und oder ist sind zu im den dem des mit für auf es wir ihr sie",
        "pt": "o os um uma e é são do da dos das no na nos nas em para com se",
        "ru": "и в на с по не что это как а к у о из за для",
        "ar": "و في من على إلى عن هل",
        "hi": "का की के है हैं में और से को पर यह",
        "id": "dan di ke yang untuk dari ini itu dengan akan ada",
    }.items()
}
STOPWORDS = frozenset().union(*FUNCTION_WORDS.values())

# Pleasantries and request framing around a question ("good morning from Sydney", "can someone
# explain", "thanks in advance"): they never decide which question is asked.
FILLER = FILLER | frozenset(
    """morning evening afternoon night regards best wishes greetings advance hiya
    someone anyone anybody somebody explain tell wondering hoping thought thoughts
    first time long reader here listening watching hello hi hey thanks thank
    merci gracias danke obrigado obrigada спасибо""".split()
)

# Negations map to one token, so "why can't I vote" keeps what "why can I vote" lacks.
NEGATIONS = frozenset("not t never nt isnt dont cant wont doesnt didnt arent".split())

# Chat shorthand → the word it stands for; "" drops a word that only frames the question.
ABBREVIATIONS: dict[str, str] = {
    "u": "you",
    "ur": "your",
    "r": "are",
    "pls": "",
    "plz": "",
    "thx": "",
    "ty": "",
    "btw": "",
    "tbh": "",
    "imo": "",
    "pic": "picture",
    "pics": "picture",
    "ppl": "people",
    "abt": "about",
    "b4": "before",
    "bc": "because",
    "cuz": "because",
    "govt": "government",
    "info": "information",
    "yr": "year",
    "yrs": "year",
    "tmrw": "tomorrow",
    "whats": "what",
    "hows": "how",
    "whos": "who",
    "wheres": "where",
    "eta": "when",
    "w": "with",
    "llm": "ai",
    "llms": "ai",
    "wikimedia": "",
    "wmf": "foundation",
    "ucoc": "universal code conduct",
    "waht": "what",
    "wat": "what",
    "wut": "what",
    "wht": "what",
    "hwo": "how",
    "wen": "when",
    "whn": "when",
    "c": "",
    "j": "",
    "qu": "",
    "n": "",
}

# Multi-word names → one token, applied to the normalized text before it is split.
PHRASES: dict[str, str] = {
    "artificial intelligence": "ai",
    "last day": "deadline",
    "until when": "deadline",
    "due date": "deadline",
    "board of trustees": "board",
    "lay offs": "layoffs",
    "e mail": "email",
}

# Snowball stemmer per language code (PyStemmer names); other languages are left unstemmed.
STEMMERS: dict[str, str] = {
    "en": "english",
    "fr": "french",
    "es": "spanish",
    "de": "german",
    "pt": "portuguese",
    "ru": "russian",
    "ar": "arabic",
    "hi": "hindi",
    "id": "indonesian",
}

# More framing that never decides which question is asked ("are there any plans to…", "can you
# confirm whether…", "is it still possible…").
FILLER = FILLER | frozenset(
    """plans planned planning confirm clarify possible still ever now yet again soon currently
    exactly clearly honestly anything something thing things update updates news far""".split()
)

# Words that name the kind of answer without a question word: "what's the deadline…" asks when.
IMPLIED_QUESTION: dict[str, str] = {
    "deadline": "when",
    "date": "when",
    "dates": "when",
    "timeline": "when",
    "schedule": "when",
    "reason": "why",
    "reasons": "why",
    "cost": "howmuch",
    "costs": "howmuch",
    "price": "howmuch",
    "percentage": "howmuch",
    "portion": "howmuch",
    "amount": "howmuch",
}

# Everyday English for one idea → one word. Short and general on purpose: each entry must read
# the same in any event ("when does voting close" / "what's the voting deadline").
SYNONYMS: dict[str, str] = {
    "close": "end",
    "closes": "end",
    "closing": "end",
    "closed": "end",
    "ends": "end",
    "ending": "end",
    "finish": "end",
    "finishes": "end",
    "deadline": "end",
    "open": "start",
    "opens": "start",
    "opening": "start",
    "begin": "start",
    "begins": "start",
    "starts": "start",
    "starting": "start",
    "ballot": "vote",
    "ballots": "vote",
    "paid": "pay",
    "written": "write",
    "wrote": "write",
    "chosen": "choose",
    "picked": "choose",
    "selected": "choose",
}

# Words that make two otherwise equal asks opposite questions (after SYNONYMS).
ANTONYMS: frozenset[frozenset[str]] = frozenset(
    frozenset(pair.split("/"))
    for pair in """start/end before/after online/offline increase/decrease next/last
    first/last allow/ban""".split()
)

# Words that narrow a question to a condition or a moment ("your role" / "your role before
# joining"): one side having such a word the other lacks makes them different questions.
QUALIFIERS = frozenset("before after without except unless instead besides since until".split())
