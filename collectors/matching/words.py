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

STOPWORDS = frozenset(
    """a an the and or but if of to in on at by for with from into about as is are was were be
    been being am do does did doing have has had having will shall should may might must
    i me my we our us you your he she it its they them their this that these those there here
    so than then too very not no yes any some more most other such only own same
    get got going go gonna wanna u ur r re s t ve ll d m
    le la les un une des du de et ou est sont à au aux en pour par sur dans ce cette ces il elle
    nous vous ils je tu on y
    el los las unos unas y o es son del al en para por con se lo su sus mi
    der die das ein eine und oder ist sind zu im den dem des mit für auf es wir ihr sie
    o os um uma e é são do da dos das no na nos nas em para com se
    и в на с по не что это как а к у о из за для
    و في من على إلى عن هل
    का की के है हैं में और से को पर यह
    dan di ke yang untuk dari ini itu dengan akan ada""".split()
) - frozenset(QUESTION_WORDS)

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
    "board of trustees": "board",
    "lay offs": "layoffs",
    "e mail": "email",
}
