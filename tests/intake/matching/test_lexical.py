import pytest

from intake.matching import LexicalMatcher
from intake.matching.lexical import guess_language, read, same_word, stem
from intake.text.normalize import normalize

MATCHER = LexicalMatcher()


def score(a: str, b: str) -> float:
    sa, sb = (MATCHER.signature(normalize(t)) for t in (a, b))
    return max(MATCHER.score(sa, sb), MATCHER.score(sb, sa))


def same(a: str, b: str) -> bool:
    return score(a, b) >= MATCHER.threshold


class TestSameQuestion:
    @pytest.mark.parametrize(
        ("a", "b"),
        [
            (
                "When does the board vote close?",
                "Hi Maggie! When does the board vote close? Thanks!",
            ),
            ("Who are today's guests?", "good morning from Sydney ☀️ who are today's guests?"),
            ("How large is the endowment?", "💰💰 How large is the endowment?? #q"),
            ("Will there be more layoffs?", "Will there be more lay-offs?"),
            ("Where will Wikimania 2026 take place?", "Where will Wikimaina 2026 take palce?"),
            ("How much is spent on salaries?", "How much is spend on salarys?"),
            ("Is WMF hiring remotely?", "is the wikimedia foundation hiring remotely"),
            # stems and everyday synonyms
            ("when does voting close?", "WHEN DOES THE VOTE CLOSE"),
            ("when does voting close?", "When does the board election voting end??"),
            ("What's the deadline to vote?", "When does voting close?"),
            ("When will the new watchlist launch?", "new watchlist launch date?"),
            # the longer ask holds the shorter one and a little more
            (
                "Will the fundraising banners run in India this year?",
                "banners in India again this year??",
            ),
            ("Will Russia block Wikipedia?", "Q: will russia block wikipedia completely? 🇷🇺"),
            (
                "Translation of the call into Spanish possible?",
                "possible translation of the call into spanish",
            ),
        ],
    )
    def test_merges(self, a, b):
        assert same(a, b), score(a, b)

    def test_exact_copy_without_content_words(self):
        assert same("what is this?", "What is this")


class TestGuards:
    @pytest.mark.parametrize(
        ("a", "b"),
        [
            # a content word on each side: another question
            ("When does the board vote close?", "When does the board vote open?"),
            (
                "Will the fundraising banners run in India this year?",
                "Will the fundraising banners run in Brazil this year?",
            ),
            ("How much is spent on salaries?", "How much is spent on travel?"),
            # question words ask for different answers
            ("When is the charter vote?", "Why is there a charter vote?"),
            # numbers
            ("Where will Wikimania 2026 be held?", "Where will Wikimania 2027 be held?"),
            # a negation prefix is not a typo
            ("Why was Wikipedia unblocked in Turkey?", "Why was Wikipedia blocked in Turkey?"),
            # a longer ask that asks more, or differently
            (
                "Maggie, what is your role at the foundation?",
                "Maggie, what was your role before joining the foundation?",
            ),
            ("What is the Global Council?", "timeline for setting up the Global Council?"),
            (
                "C'est quand la prochaine session ?",
                "C'est quand la prochaine session du Fonds rapide ?",
            ),
            # four-letter words one letter apart are different words
            ("Can I vote by email?", "Can I note by email?"),
            # opposites after synonyms: "deadline" is an end, "open" a start
            ("What's the deadline to vote?", "When does voting open?"),
            # a one-word ask and a longer one that says as much again
            ("Where do donations go?", "Where do donations come from?"),
            # one word put for another among many shared
            (
                "Will the visual editor get better citation tools?",
                "Will the visual editor get better table tools?",
            ),
        ],
    )
    def test_keeps_apart(self, a, b):
        assert not same(a, b), score(a, b)

    def test_score_is_bounded(self):
        for a, b in [("a b c", "a b c"), ("budget?", "vote?"), ("x", "x y z w")]:
            assert 0.0 <= score(a, b) <= 100.0


class TestWords:
    def test_greeting_and_name_dropped(self):
        assert read(normalize("Hi Maggie, how are grants reviewed?")).tokens == (
            "grants",
            "reviewed",
        )

    def test_abbreviations_and_negation(self):
        content = read(normalize("pls can't u tell if WMF is hiring"))
        assert content.tokens == ("not", "foundation", "hiring")

    def test_how_much_is_an_amount_thanks_so_much_is_not(self):
        assert read("how much is the budget").qwords == {"howmuch"}
        assert read("thanks so much when is the vote").qwords == {"when"}

    def test_typos(self):
        assert same_word("foundation", "foundaton")
        assert same_word("sued", "sude")
        assert not same_word("vote", "note")
        assert not same_word("unblocked", "blocked")

    def test_stem(self):
        assert stem("grants") == stem("grant") and stem("voting") == stem("vote")
        assert stem("process") == "process" and stem("2026") == "2026"
        assert stem("votaciones", "es") == stem("votación", "es") != "votaciones"
        assert stem("голосование", "other") == "голосование"  # no stemmer: left whole

    def test_language_for_the_stemmer(self):
        assert guess_language("cuál es la fecha límite para votar".split()) == "es"
        assert guess_language("quand est la prochaine session".split()) == "fr"
        assert guess_language("when is the vote".split()) == "en"
        assert guess_language(["wikimania"]) == "en"  # nothing tells: English
        assert guess_language(["когда", "голосование"]) == "ru"

    def test_words_that_imply_a_question_word(self):
        content = read(normalize("timeline for the global council?"))
        assert content.qwords == {"when"} and content.tokens == ("global", "council")
        # "deadline" asks when, and says "end" as "close" does
        assert read("what is the voting deadline").qwords == {"what", "when"}
        assert read("what is the voting deadline").stems == read("when does voting close").stems

    def test_abbreviation_for_several_words(self):
        assert read("does the ucoc apply").tokens[:3] == ("universal", "code", "conduct")


class FakeCorpus:
    """An event where every question says `common`."""

    def __init__(self, common: str, size: int) -> None:
        self.common, self.size = common, size
        self.memo: dict[str, float] = {}

    def frequency(self, term: str) -> int:
        return self.size if term == self.common else 1

    def __len__(self) -> int:
        return self.size


class TestCorpusWeights:
    def test_a_word_every_question_has_counts_less(self):
        a, b = (
            MATCHER.signature(normalize(t))
            for t in ("are engineers hired remotely", "is wmf hiring engineers remotely")
        )
        alone = MATCHER.score_in(a, b, None)
        # "foundation" (wmf) is in every question of the event: what is left differs less
        weighted = MATCHER.score_in(a, b, FakeCorpus(stem("foundation"), 500))
        assert weighted > alone

    def test_a_rare_word_counts_fully(self):
        a, b = (MATCHER.signature(normalize(t)) for t in ("vote close", "vote close tonight"))
        assert MATCHER.score_in(a, b, FakeCorpus("other", 500)) == pytest.approx(
            MATCHER.score_in(a, b, None), rel=0.05
        )


class TestSameTerm:
    def test_asks_sharing_the_same_term_score_100_across_the_labelled_set(self):
        """The index answers asks sharing `same` without scoring: that must be what scoring
        would say, for every such pair the labelled messages hold."""
        import json
        from itertools import combinations
        from pathlib import Path

        from intake.matching import EventIndex

        rows = Path(__file__).parents[2] / "data" / "dedup_eval.jsonl"
        index = EventIndex(MATCHER)
        groups: dict[str, list] = {}
        for qid, line in enumerate(rows.read_text().splitlines()):
            key = normalize(json.loads(line)["text"])
            if key:
                sig = index.upsert(qid, key)
                if sig.same is not None:
                    groups.setdefault(sig.same, []).append(sig)
        pairs = [p for g in groups.values() for p in combinations(g, 2)]
        assert pairs, "the set should hold some asks in the same words"
        for a, b in pairs:
            assert MATCHER.score_in(a, b, index) == pytest.approx(100.0), (a.key, b.key)
