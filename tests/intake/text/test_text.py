import pytest

from intake.text.detect import is_question
from intake.text.normalize import normalize, shown_text, strip_marker
from models import QuestionMode


class TestNormalize:
    def test_folds_case_width_and_punctuation(self):
        assert normalize("When does the VOTE close？？") == "when does the vote close"

    def test_drops_mentions_urls_emoji_and_zero_width(self):
        text = "@liveq_bot When\u200b is the vote? 🗳️ https://example.org/vote #q"
        assert normalize(text) == "when is the vote"

    def test_strips_leading_markers(self):
        for marked in (
            "Q: when is the vote",
            "/ask when is the vote",
            "#question when is the vote",
            "/ask@liveq_bot when is the vote",
            "q：when is the vote",
        ):
            assert normalize(marked) == "when is the vote", marked

    def test_keeps_non_latin_letters_and_marks(self):
        assert normalize("क्या वोट कब है?") == "क्या वोट कब है"
        assert normalize("متى يبدأ التصويت؟") == "متى يبدأ التصويت"
        assert normalize("Когда голосование?") == "когда голосование"

    def test_nfkc_and_casefold(self):
        assert normalize("Straße ﬁnal") == "strasse final"


class TestDetect:
    @pytest.mark.parametrize(
        "text",
        [
            "When is the vote?",
            "¿Cuándo es la votación？",
            "متى التصويت؟",
            "budget ⸮",
            "when is the vote #q",
            "Q: tell us about the budget",
            "/ask budget plans",
            "#q budget",
            "#Question budget",
        ],
    )
    def test_auto_questions(self, text):
        assert is_question(text, QuestionMode.auto)

    @pytest.mark.parametrize(
        "text",
        ["hello from Lagos!", "👍", "thanks!", "great stream", "#quiet please", "Qatar says hi"],
    )
    def test_auto_chatter(self, text):
        assert not is_question(text, QuestionMode.auto)

    def test_marked_takes_a_marker_or_a_question_mark_as_its_label_says(self):
        assert is_question("When is the vote?", QuestionMode.marked)
        assert is_question("¿Cuándo es la votación？", QuestionMode.marked)
        assert is_question("Q: when is the vote", QuestionMode.marked)
        assert is_question("when is the vote #q", QuestionMode.marked)
        assert not is_question("when is the vote", QuestionMode.marked)
        assert is_question("anything", QuestionMode.marked, force=True)

    def test_a_trailing_hashtag_marks_a_question_as_the_leading_one_does(self):
        assert is_question("when is the vote #q", QuestionMode.marked)
        assert is_question("#q when is the vote", QuestionMode.marked)
        assert is_question("when is the vote #question", QuestionMode.auto)
        assert not is_question("my #quality notes", QuestionMode.marked)

    def test_all_takes_everything_but_blank(self):
        assert is_question("hello", QuestionMode.all)
        assert not is_question("   ", QuestionMode.all)

    def test_strip_marker_reports_marker(self):
        assert strip_marker("Q: budget") == ("budget", True)
        assert strip_marker("budget") == ("budget", False)


class TestShownText:
    @pytest.mark.parametrize(
        ("typed", "shown"),
        [
            (
                "Q: how can small affiliates apply for rapid grants",
                "how can small affiliates apply for rapid grants",
            ),
            ("/ask@liveq_bot When is the vote?", "When is the vote?"),
            ("When is the vote? #q", "When is the vote?"),
            ("#question Who decides?  #Question ", "Who decides?"),
            ("What does Q: mean here?", "What does Q: mean here?"),
            ("Is #qanon banned?", "Is #qanon banned?"),
        ],
    )
    def test_the_marker_that_flagged_a_question_is_not_shown(self, typed, shown):
        assert shown_text(typed) == shown

    def test_a_marker_alone_stays_as_typed(self):
        assert shown_text("  #q ") == "#q"
