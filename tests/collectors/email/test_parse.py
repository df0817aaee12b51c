"""Mail → questions, without a server: the pure parsing at the edge."""

from __future__ import annotations

from pathlib import Path

import pytest

from collectors.email.api import parse_fetch, uid_set
from collectors.email.mailbox import BadMailbox, parse_mailbox, read_secrets
from collectors.email.parse import (
    html_to_text,
    read_mail,
    split_questions,
    strip_quoted,
    subject_question,
)
from tests.collectors.email.mails import mail


class TestStripping:
    def test_reply_quote_attribution_and_signature_go(self) -> None:
        text = (
            "Will it be recorded?\n\nOn Tue, 1 Dec 2026 at 10:00, Ada Lovelace\n<ada@x.org> "
            "wrote:\n> Earlier question?\n"
        )
        assert strip_quoted(text).strip() == "Will it be recorded?"
        assert strip_quoted("Why?\n-- \nBob\nCEO").strip() == "Why?"
        assert strip_quoted("Why?\n\nSent from my iPhone").strip() == "Why?"
        outlook = "How long?\n\nFrom: Ada\nSent: Monday\nSubject: x\n\nOld?"
        assert strip_quoted(outlook).strip() == "How long?"

    def test_forwarded_headers_go_and_the_forwarded_words_stay(self) -> None:
        text = (
            "---------- Forwarded message ---------\nFrom: Ada <a@x.org>\n"
            "Date: Mon, 30 Nov 2026\nSubject: CR&S\nTo: b@x.org\n\nWhat is the plan for 2027?\n"
        )
        assert split_questions(strip_quoted(text)) == ["What is the plan for 2027?"]

    def test_html_keeps_visible_text_in_blocks_and_drops_quotes_and_scripts(self) -> None:
        html = (
            "<style>x{}</style><script>alert(1)</script><ul><li>First one?</li>"
            "<li>Second &amp; last?</li></ul><blockquote>quoted?</blockquote>"
        )
        assert split_questions(html_to_text(html)) == ["First one?", "Second & last?"]


class TestSplitting:
    def test_numbered_and_bulleted_items_become_questions(self) -> None:
        assert split_questions("Hi all,\n1) One?\n2) Two?\n\nThanks,\nAda") == ["One?", "Two?"]
        assert split_questions("- Alpha?\n* Beta?\n• Gamma?") == ["Alpha?", "Beta?", "Gamma?"]

    def test_a_single_item_or_prose_is_one_question(self) -> None:
        assert split_questions("1. Only this?") == ["Only this?"]
        assert split_questions("Line one\nline two?") == ["Line one line two?"]
        assert split_questions("\n\n") == []

    def test_the_subject_stands_in_without_the_tag(self) -> None:
        assert subject_question("Re: Fwd: [CR&S] Is it on?", "cr&s") == "Is it on?"


class TestReadMail:
    def test_the_key_is_the_sender_and_message_id_and_survives_renumbering(self) -> None:
        a = read_mail(
            mail(sender="A <a@x.org>", subject="s", body="Q?", message_id="1@x"),
            fallback_key="uid:1:1",
        )
        b = read_mail(
            mail(sender="A <a@x.org>", subject="s", body="Q?", message_id="1@x"),
            fallback_key="uid:9:7",
        )
        c = read_mail(
            mail(sender="C <c@x.org>", subject="s", body="Q?", message_id="1@x"),
            fallback_key="uid:1:1",
        )
        assert a.key == b.key != c.key and a.sender == "a@x.org" and a.sender_name == "A"

    def test_no_message_id_falls_back_to_the_uid(self) -> None:
        raw = b"From: a@x.org\r\nSubject: s\r\n\r\nQ?\r\n"
        assert read_mail(raw, fallback_key="uid:1:5").key == "uid:1:5"

    @pytest.mark.parametrize(
        "raw",
        [b"", b"\x00\xff" * 100, b"From: \r\n\r\n", b"Content-Type: multipart/mixed\r\n\r\n--"],
    )
    def test_garbage_never_raises(self, raw: bytes) -> None:
        found = read_mail(raw, fallback_key="uid:1:1")
        assert found.questions == () or isinstance(found.questions[0], str)

    def test_utf8_declared_as_latin1_is_read_as_utf8(self) -> None:
        raw = mail(
            sender="a@x.org", subject="s", charset="iso-8859-1", body="Où est la salle ?".encode()
        )
        found = read_mail(raw, fallback_key="k")
        assert found.questions == ("Où est la salle ?",)
        assert found.problems == ("declared iso-8859-1 but is UTF-8",)

    def test_rfc2047_subject_and_name(self) -> None:
        raw = (
            b"From: =?utf-8?q?Fr=C3=A9d=C3=A9ric?= <f@x.fr>\r\n"
            b"Subject: =?utf-8?b?Q1ImUyDDqXTDqQ==?=\r\n\r\nQuand ?\r\n"
        )
        found = read_mail(raw, fallback_key="k")
        assert found.sender_name == "Frédéric" and found.subject == "CR&S été"


class TestMailbox:
    def test_forms_of_the_url(self) -> None:
        box = parse_mailbox("imaps://answers@example.org@imap.fastmail.com/Questions")
        assert box.user == "answers@example.org" and box.port == 993 and box.folder == "Questions"
        assert box.url == "imaps://answers%40example.org@imap.fastmail.com:993/Questions"
        assert parse_mailbox(box.url) == box
        assert parse_mailbox("imap://u@127.0.0.1:1143").folder == "INBOX"

    @pytest.mark.parametrize(
        "value", ["imaps://u:pw@h/INBOX", "pop3://u@h", "imaps://h/INBOX", "imap://u@remote.org/"]
    )
    def test_bad_urls_are_refused(self, value: str) -> None:
        with pytest.raises(BadMailbox):
            parse_mailbox(value)

    def test_the_secrets_file_names_a_bad_line_by_number_only(self, tmp_path: Path) -> None:
        path = tmp_path / "s"
        path.write_text("# c\na@h.org s3cr=et\nb@h.org = two words\nnot-a-line-secret\n")
        with pytest.raises(ValueError, match="line 4") as error:
            read_secrets(path)
        assert "not-a-line-secret" not in str(error.value)
        path.write_text("a@h.org s3cr=et\nB@H.org = two words\n")
        assert read_secrets(path) == {"a@h.org": "s3cr=et", "b@h.org": "two words"}


class TestFetchAnswer:
    def test_literals_and_bare_items_are_matched_to_their_uid(self) -> None:
        data = [
            (b"1 (UID 7 RFC822.SIZE 900 BODY[HEADER] {5}", b"H: x\r\n"),
            (b" BODY[TEXT]<0> {3}", b"abc"),
            b")",
            b'2 (UID 9 RFC822.SIZE 10 BODY[HEADER] NIL BODY[TEXT]<0> "")',
        ]
        first, second = parse_fetch(data, max_body=3)
        assert (first.uid, first.size, first.raw, first.truncated) == (7, 900, b"H: x\r\nabc", True)
        assert (second.uid, second.raw, second.truncated) == (9, b"", False)

    def test_uid_sets_are_compact(self) -> None:
        assert uid_set([5, 1, 2, 3, 9, 10, 12]) == "1:3,5,9:10,12"
