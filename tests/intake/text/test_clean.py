"""What no store or page can hold leaves text at intake; everything else stays as it was."""

from __future__ import annotations

from datetime import UTC, datetime

from intake.asks import IncomingAsk
from intake.text.clean import clean_ask, clean_identifier, clean_label, clean_text
from models import Platform


class TestCleanText:
    def test_ordinary_text_is_the_same_object(self):
        text = "¿Cuándo cierra la votación? 投票はいつ締め切り？ مرحبا\tline\nnext\r\n👍🏽"
        assert clean_text(text) is text

    def test_nul_controls_and_bidi_overrides_go(self):
        assert clean_text("a\x00b\x01c\x1bd\x7fe\x85f\u202eg\u2066h\u2069i\ufffe") == "abcdefghi"

    def test_lone_surrogates_become_the_replacement_character(self):
        assert clean_text("why \ud800 lone \udfff?") == "why \ufffd lone \ufffd?"
        clean_text("why \ud800?").encode("utf-8")  # no longer raises

    def test_right_to_left_marks_stay(self):
        assert clean_text("שלום\u200f world") == "שלום\u200f world"


class TestLabelsAndIdentifiers:
    def test_label_is_cut_and_trimmed_and_none_when_empty(self):
        assert clean_label("  Ada\x00 ", 10) == "Ada"
        assert clean_label("\x00\u202e", 10) is None
        assert clean_label("x" * 50, 10) == "x" * 10

    def test_long_identifiers_stay_distinct_and_fit(self):
        a, b = "m" * 300 + "a", "m" * 300 + "b"
        assert clean_identifier(a) != clean_identifier(b)
        assert len(clean_identifier(a)) == 200
        assert clean_identifier("abc") == "abc"

    def test_an_ask_is_cleaned_field_by_field(self):
        ask = IncomingAsk(
            platform=Platform.telegram,
            source_id="-100\x00",
            message_id="7",
            text="When\x00?",
            asked_at=datetime.now(UTC),
            author_id="u\ud800",
            author_name="A" * 300,
            source_label="e\x00mail",
        )
        cleaned = clean_ask(ask)
        assert cleaned.text == "When?" and cleaned.source_id == "-100"
        assert cleaned.author_id == "u\ufffd" and cleaned.author_name == "A" * 200
        assert cleaned.source_label == "email"
        fine = IncomingAsk(
            platform=Platform.manual,
            source_id="manual",
            message_id="1",
            text="Fine?",
            asked_at=ask.asked_at,
        )
        assert clean_ask(fine) is fine
