import pytest

from intake.text.language import detect_language


class TestDetectLanguage:
    @pytest.mark.parametrize(
        ("text", "lang"),
        [
            ("When does the board election close?", "en"),
            ("wikimania 2025 videos? is there a link", "en"),
            ("¿Cuándo cierra la votación para la junta directiva?", "es"),
            ("Quand le Conseil mondial sera-t-il mis en place ?", "fr"),
            ("Wann ist die nächste Kuratoriumswahl?", "de"),
            ("Quando abre a próxima rodada do Rapid Fund?", "pt"),
            ("Apakah relawan yang dituntut mendapat bantuan hukum dari yayasan?", "id"),
            ("Как фонд защищает российских редакторов?", "ru"),
            ("متى سيتم تشكيل المجلس العالمي؟", "ar"),
            ("बोर्ड चुनाव में कौन वोट दे सकता है?", "hi"),
        ],
    )
    def test_detects(self, text, lang):
        assert detect_language(text) == lang

    def test_nothing_to_tell_by(self):
        assert detect_language("👍 🙏 https://example.org") is None
