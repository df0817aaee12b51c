"""Question detection in auto mode, per language, on fixed examples (not from the held-out set)."""

import pytest

from intake.text.detect import is_question
from models import QuestionMode

QUESTIONS = {
    "en": [
        "how do we apply for the conference fund",
        "Maggie could you say more about the new travel policy",
        "hi Jimmy, what is the plan for the archive project",
        "any plans for a hub in the Pacific",
        "I'd like to know who reviews the grant reports",
        "please explain the difference between the two votes",
        "I wonder whether the app will support offline maps",
        "is there a limit on how many grants one group can get",
        "can we get the slides afterwards",
        "great talk! why did the deadline move",
    ],
    "fr": [
        "comment fonctionne le comité des subventions",
        "Maggie pouvez-vous parler du budget des chapitres",
        "y a-t-il une date pour le prochain appel",
        "est-ce que la charte s'applique aux groupes d'utilisateurs",
        "j'aimerais savoir qui valide les candidatures",
        "bonjour à tous, quand sera publié le compte rendu",
    ],
    "es": [
        "dónde se publican los resultados de la votación",
        "cómo se eligen los miembros del comité",
        "hola Selena, hay planes para una oficina en México",
        "me gustaría saber cuánto dinero se destina a becas",
        "podrías explicar el proceso de afiliación",
        "alguna novedad sobre la herramienta de traducción",
    ],
    "de": [
        "wie funktioniert die Förderung für kleine Gruppen",
        "kann man die Folien irgendwo herunterladen",
        "gibt es einen Termin für die nächste Runde",
        "ich würde gerne wissen wer die Anträge prüft",
        "Hallo zusammen, warum wurde die Konferenz verschoben",
        "welche Länder bekommen zuerst einen Hub",
    ],
    "pt": [
        "como funciona o comitê de bolsas",
        "onde vai ser a próxima wikimania",
        "vocês vão publicar as respostas depois",
        "gostaria de saber quem avalia os pedidos",
        "oi Maggie, tem previsão para o novo aplicativo",
        "alguma novidade sobre a carta do movimento",
    ],
    "ru": [
        "как работает комитет по грантам",
        "где можно скачать презентацию",
        "будет ли запись этой встречи",
        "расскажите про новые правила для отделений",
        "хотелось бы узнать кто проверяет отчёты",
        "всем привет, почему перенесли конференцию",
    ],
    "ar": [
        "كيف تعمل لجنة المنح",
        "هل يمكن تحميل العرض بعد الجلسة",
        "متى تبدأ الجولة القادمة من المنح",
        "لماذا تم تأجيل المؤتمر",
        "أود أن أعرف من يراجع الطلبات",
        "مرحبا ماغي، ما خطة المؤسسة للغات الصغيرة",
    ],
    "id": [
        "bagaimana cara kerja komite hibah",
        "kapan konferensi berikutnya diadakan",
        "apakah rekaman sesi ini akan dibagikan",
        "mau tanya, siapa yang meninjau laporan hibah",
        "tolong jelaskan proses pendaftaran afiliasi",
        "halo Maggie, ada rencana untuk kantor di Asia",
    ],
}

CHATTER = {
    "en": [
        "hello from Accra!",
        "thank you so much Maggie",
        "how awesome is this community",
        "what a lovely answer",
        "the audio keeps cutting out",
        "see you all next month",
        "who else is watching from Kenya?",
        "no way?!",
    ],
    "fr": [
        "merci pour cette belle session",
        "on n'entend plus rien",
        "quelle belle énergie",
        "à la prochaine tout le monde",
    ],
    "es": [
        "saludos desde Quito",
        "qué bonito ver a tanta gente",
        "no se escucha bien",
        "hasta la próxima",
    ],
    "de": ["Grüße aus Hamburg", "wie schön das ist", "der Ton ist ganz leise", "bis bald"],
    "pt": ["abraço de Salvador", "que demais essa sessão", "o áudio tá ruim", "até mais pessoal"],
    "ru": ["привет из Новосибирска", "как же здорово", "звук пропал", "до встречи"],
    "ar": ["تحية من تونس", "ما أحلى هذا اللقاء", "الصوت ضعيف جدا", "إلى اللقاء"],
    "id": [
        "salam dari Makassar",
        "keren banget acaranya",
        "suaranya kecil banget",
        "sampai ketemu lagi",
    ],
}


@pytest.mark.parametrize(("lang", "text"), [(k, t) for k, v in QUESTIONS.items() for t in v])
def test_questions_without_a_question_mark(lang, text):
    assert is_question(text, QuestionMode.auto), (lang, text)
    # Marked mode only takes a question mark or a marker: the form is not enough.
    assert not is_question(text, QuestionMode.marked), (lang, text)


@pytest.mark.parametrize(("lang", "text"), [(k, t) for k, v in CHATTER.items() for t in v])
def test_chatter_stays_out(lang, text):
    assert not is_question(text, QuestionMode.auto), (lang, text)


class TestQuestionMarks:
    @pytest.mark.parametrize(
        "text",
        ["slides?", "budget 2027?", "¿y la grabación?", "а запись?", "والتسجيل؟", "rekamannya?"],
    )
    def test_a_question_mark_still_asks(self, text):
        assert is_question(text, QuestionMode.auto)

    @pytest.mark.parametrize(
        "text", ["really?!", "seriously??", "¿en serio?!", "echt?!", "серьёзно?!", "beneran??"]
    )
    def test_a_reaction_with_a_question_mark_does_not(self, text):
        assert not is_question(text, QuestionMode.auto)

    @pytest.mark.parametrize(
        "text",
        [
            "will there be audio description for blind viewers?",
            "what about the sound archive project?",
            "wie ist der Ton in der Community?",
        ],
    )
    def test_a_word_about_sound_is_not_a_complaint_by_itself(self, text):
        assert is_question(text, QuestionMode.auto)

    @pytest.mark.parametrize(
        "text", ["is the audio gone?", "sound is so bad?", "your mic?", "der Ton ist weg?"]
    )
    def test_a_complaint_about_sound_is_chatter(self, text):
        assert not is_question(text, QuestionMode.auto)

    def test_a_tag_question_after_a_statement_asks(self):
        assert is_question("the vote closes on friday, right?", QuestionMode.auto)

    def test_marked_mode_takes_the_question_mark_as_its_label_says(self):
        assert is_question("really?!", QuestionMode.marked)
        assert not is_question("how do we apply", QuestionMode.marked)


class TestHostileText:
    @pytest.mark.parametrize(
        "text",
        [
            "\x00how\x00 do we apply",
            "\ud800 what is the plan",
            "\u202ewhat is the plan\u202c",
            "?" * 4096,
            "how " * 1024,
            "",
            "   ",
            "🙂" * 2000,
        ],
    )
    def test_never_crashes(self, text):
        for mode in QuestionMode:
            is_question(text, mode)

    def test_a_long_message_reads_its_start_and_any_question_mark(self):
        assert is_question("how do we apply " + "x " * 2000, QuestionMode.auto)
        assert is_question("x " * 2000 + "is that ok?", QuestionMode.auto)
        assert not is_question("thanks " * 1000, QuestionMode.auto)
