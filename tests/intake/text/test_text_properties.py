"""Properties of normalisation and question detection, whatever the text (Hypothesis)."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from intake.text.detect import is_question
from intake.text.normalize import normalize, shown_text, strip_marker
from models import QuestionMode

# Any code point, lone surrogates included, mixed with the pieces the rules look for.
_ANY = st.characters(codec=None, exclude_categories=())
_PIECES = st.sampled_from(
    ["Q:", "q：", "/ask", "/ask@bot", "#q", "#question", "?", "？", "؟", "⸮", "\u037e",
     "https://x.org/a", "www.x.org", "@someone", "\u200b", "\ufeff", "\u00ad", "ﬁ", "ẞ",
     "İ", "ß", "\u0345", "Ω", "\x00", "\ud800", "\U0001f5f3\ufe0f", " ", "\t", "\n"]
)  # fmt: skip
TEXT = st.one_of(
    st.text(_ANY, max_size=200),
    st.lists(st.one_of(_PIECES, st.text(_ANY, max_size=5))).map("".join),
)
PROPERTY = settings(max_examples=600, deadline=None, derandomize=True)


class TestNormalizeProperties:
    @PROPERTY
    @given(TEXT)
    @example("ẞ\u0345")
    @example("Q: Q: when")
    def test_never_crashes_and_is_idempotent(self, text):
        key = normalize(text)
        assert isinstance(key, str)
        assert normalize(key) == key
        assert key == key.strip() and "  " not in key

    @PROPERTY
    @given(TEXT)
    def test_shown_text_and_markers_never_crash(self, text):
        shown = shown_text(text)
        assert isinstance(shown, str)
        rest, marked = strip_marker(text)
        assert text.endswith(rest) and (marked or rest == text)


class TestDetectionProperties:
    @PROPERTY
    @given(TEXT)
    def test_modes_nest_and_never_crash(self, text):
        marked = is_question(text, QuestionMode.marked)
        auto = is_question(text, QuestionMode.auto)
        every = is_question(text, QuestionMode.all)
        # A question in auto mode is a message in "all" mode unless it is blank, and carries a
        # mark, a marker or a question's form; forced is always a question. (Marked mode and
        # auto no longer nest: "really?!" is marked, but auto reads it as a reaction.)
        assert not auto or every or not text.strip()
        assert not marked or every or not text.strip()
        assert is_question(text, QuestionMode.auto, force=True)

    @PROPERTY
    @given(TEXT)
    def test_a_mark_or_a_marker_makes_a_question(self, text):
        assert is_question(text + "?", QuestionMode.marked)
        assert is_question("Q: " + text, QuestionMode.auto)
        assert is_question("Q: " + text, QuestionMode.marked)
        assert is_question("/ask " + text, QuestionMode.marked)
