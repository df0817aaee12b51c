from intake.matching import EventIndex, IndexRegistry, LexicalMatcher
from intake.matching import index as index_module
from intake.text.normalize import normalize


def make_index(*texts: str) -> EventIndex:
    index = EventIndex(LexicalMatcher())
    for qid, text in enumerate(texts, start=1):
        index.upsert(qid, normalize(text))
    return index


class TestUpsertDiscard:
    def test_best_finds_a_rephrased_copy(self):
        index = make_index("When does the board vote close?", "How large is the endowment?")
        match = index.best(normalize("Hi Maggie! when does the board vote close??"))
        assert match is not None and match.question_id == 1

    def test_upsert_replaces_the_old_text(self):
        index = make_index("When does the board vote close?")
        index.upsert(1, normalize("How large is the endowment?"))
        assert index.best(normalize("When does the board vote close?")) is None
        assert index.best(normalize("how large is the endowment")).question_id == 1
        # no posting keeps the old text's words
        assert all(1 not in p for t, p in index.postings.items() if "board" in t)

    def test_discard_removes_every_posting(self):
        index = make_index("When does the board vote close?")
        index.discard(1)
        index.discard(1)  # twice is harmless
        assert index.postings == {} and index.signatures == {}
        assert index.best(normalize("When does the board vote close?")) is None

    def test_exclude_skips_blocked_questions(self):
        index = make_index("When does the board vote close?", "when does the board vote close")
        assert index.best(normalize("When does the board vote close"), exclude={1, 2}) is None
        match = index.best(normalize("When does the board vote close"), exclude={1})
        assert match is not None and match.question_id == 2

    def test_rekey_moves_a_provisional_id_to_the_real_one(self):
        index = make_index("How large is the endowment?")
        index.upsert(-1, normalize("When does the board vote close?"))
        before = {t: len(p) for t, p in index.postings.items()}
        index.rekey(-1, 7)
        index.rekey(-2, 8)  # nothing indexed under it: nothing happens
        assert set(index.signatures) == {1, 7}
        assert all(-1 not in p for p in index.postings.values())
        assert {t: len(p) for t, p in index.postings.items()} == before
        assert index.best(normalize("when does the board vote close")).question_id == 7

    def test_registry_keeps_one_index_per_event(self):
        registry = IndexRegistry(LexicalMatcher())
        assert registry.get(1) is registry.get(1) is not registry.get(2)
        registry.forget(1)
        assert registry.get(1).signatures == {}


class TestCandidateBounds:
    def test_common_words_do_not_make_the_work_grow(self):
        texts = [f"what about the budget and the vote for chapter {i}" for i in range(3_000)]
        index = make_index(*texts, "what about the budget and the vote for the zebra fund")
        assert len(index.postings["budget"]) > index_module._BUDGET
        sig = index.matcher.signature(normalize("the budget and the vote for the zebra fund"))
        found = index.candidates(sig)
        assert len(found) <= index_module._MAX_CANDIDATES
        # the rare word leads to its question, however common the others are
        assert found[0][0] == 3_001

    def test_only_common_words_reads_a_bounded_slice(self, monkeypatch):
        read = []

        class Spy(index_module.Counter):
            def update(self, iterable=None, /, **kw):
                items = list(iterable or ())
                read.append(len(items))
                super().update(items, **kw)

        monkeypatch.setattr(index_module, "Counter", Spy)
        index = make_index(*(f"budget vote number {i}" for i in range(5_000)))
        found = index.candidates(index.matcher.signature("budget vote"))
        # each term costs at most the budget: read within it, or ranked against what was read
        assert read and max(read) <= index_module._BUDGET
        assert sum(read) <= index_module._BUDGET * index_module._MAX_TERMS
        assert len(found) <= index_module._MAX_CANDIDATES

    def test_words_most_questions_hold_only_rank_what_rarer_words_found(self, monkeypatch):
        read: list[int] = []

        class Spy(index_module.Counter):
            def update(self, iterable=None, /, **kw):
                items = list(iterable or ())
                read.append(len(items))
                super().update(items, **kw)

        # 300 questions, every one about the plan and the review; each topic in a few.
        topics = ["budget", "charter", "hiring", "privacy", "archive", "mobile"]
        index = make_index(
            *(f"what happens to the {topics[i % 6]} plan {i} after the review" for i in range(300))
        )
        assert index_module._COMMON_FROM <= 300 and len(index.postings["plan"]) == 300
        monkeypatch.setattr(index_module, "Counter", Spy)
        sig = index.matcher.signature(normalize("What happens to the hiring plan after review?"))
        found = index.candidates(sig)
        # "plan", "review", "happen" are in every question: none of them is read whole (300),
        # they rank the 50 questions about hiring, which all share them
        assert read and max(read) <= 50, read
        assert sum(read) <= len(sig.terms) * 50, read
        assert len(found) == index_module._MAX_CANDIDATES
        assert all(index.signatures[qid].key.split()[4] == "hiring" for qid, _ in found)
        assert all(shared == max(s for _, s in found) for _, shared in found)

    def test_an_ask_of_common_words_alone_still_reads_one_of_them(self):
        index = make_index(*(f"what happens to the plan {i} after the review" for i in range(300)))
        # every word the ask has that the event knows is everywhere: the first is read whole,
        # the others rank what it found
        sig = index.matcher.signature(normalize("So what happens to the plan and the review?"))
        found = index.candidates(sig)
        assert len(found) == index_module._MAX_CANDIDATES
        assert {shared for _, shared in found} == {len(sig.terms) - 1}  # all but the copy term

    def test_exact_copy_always_meets(self):
        index = make_index(*(f"budget vote {i}" for i in range(3_000)), "budget vote")
        match = index.best("budget vote")
        assert match is not None and match.question_id == 3_001


class TestCorpus:
    def test_frequency_counts_the_questions_holding_a_term(self):
        index = make_index("When does the board vote close?", "How is the board chosen?")
        assert len(index) == 2
        assert index.frequency("board") == 2 and index.frequency("zebra") == 0

    def test_best_weighs_words_by_the_event(self):
        seen = []

        class Spy(LexicalMatcher):
            def score_in(self, a, b, corpus):
                seen.append(corpus)
                return super().score_in(a, b, corpus)

        index = EventIndex(Spy())
        index.upsert(1, normalize("When does the board vote close?"))
        assert index.best(normalize("When does the board election vote close?")) is not None
        assert seen == [index]

    def test_word_weights_follow_the_questions_that_come_and_go(self):
        index = make_index("When does the board vote close?")
        a = index.matcher.signature(normalize("When does the board vote close?"))
        b = index.matcher.signature(normalize("When does the board election vote close?"))
        alone = index.matcher.score_in(a, b, index)
        # "election" becomes common: missing it costs less than when it was rare
        for qid in range(2, 400):
            index.upsert(qid, normalize(f"election turnout in region {qid}?"))
        common = index.matcher.score_in(a, b, index)
        assert common > alone
        for qid in range(2, 400):
            index.discard(qid)
        assert index.matcher.score_in(a, b, index) == alone


def scoring_spy() -> tuple[EventIndex, list[str]]:
    """An index whose matcher notes the key of every question it scores."""
    scored: list[str] = []

    class Spy(LexicalMatcher):
        def score_in(self, a, b, corpus):
            scored.append(b.key)
            return super().score_in(a, b, corpus)

    return EventIndex(Spy()), scored


class TestExactCopies:
    def test_an_exact_copy_is_answered_without_scoring(self):
        index, scored = scoring_spy()
        for qid in (7, 3, 9):
            index.upsert(qid, normalize("When does the board vote close?"))
        index.upsert(4, normalize("When does the board vote open?"))
        match = index.best(normalize("WHEN does the board vote close??? 🙏"))
        assert match is not None and (match.question_id, match.score) == (3, 100.0)
        assert scored == []
        # a question the host split off is not an exact copy to merge into
        assert index.best(normalize("when does the board vote close"), exclude={3}).question_id == 7

    def test_the_same_words_after_a_greeting_or_in_another_order_need_no_scoring(self):
        index, scored = scoring_spy()
        index.upsert(5, normalize("When does the board vote close?"))
        index.upsert(2, normalize("Why does the board vote close?"))
        for copy in (
            "Hi Maggie! When does the board vote close??",
            "when does the vote of the board close",
        ):
            match = index.best(normalize(copy))
            assert match is not None and (match.question_id, match.score) == (5, 100.0)
        assert scored == []

    def test_a_one_word_question_is_scored_like_any_other(self):
        index = make_index("budget?", "What is the budget for the board?")
        match = index.best(normalize("Budget?!"))
        assert match is not None and match.question_id == 1


class TestNearest:
    def test_alike_questions_below_the_threshold_best_first(self):
        index = make_index(
            "Will the board election results be published soon?",
            "How do I vote in the board election?",
            "Is the budget public?",
            "When does the board election voting close?",
        )
        query = normalize("Will the board election results be published soon?")
        near = index.nearest(query, limit=5, floor=10, exclude={1})
        assert [m.question_id for m in near][:2] == [2, 4]
        assert all(10 <= m.score < index.matcher.threshold for m in near)
        assert near == sorted(near, key=lambda m: -m.score)
        assert 3 not in {m.question_id for m in near}  # nothing in common
        assert [m.question_id for m in index.nearest(query, limit=1, floor=10, exclude={1})] == [2]
        assert index.nearest(query, limit=5, floor=99, exclude={1}) == []
        # The question itself, when not excluded, is the most alike of all.
        assert index.nearest(query, limit=1, floor=10)[0].question_id == 1
