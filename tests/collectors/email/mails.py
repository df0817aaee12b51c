"""The test mailbox: raw RFC 5322 bytes, built by hand (some are broken on purpose)."""

from __future__ import annotations

import base64
import os
from email.utils import format_datetime

from tests.factories import T0

TAG = "CR&S"
_n = 0


def mail(
    *,
    sender: str,
    subject: str,
    body: bytes | str,
    charset: str | None = "utf-8",
    content_type: str = "text/plain",
    headers: str = "",
    message_id: str | None = None,
) -> bytes:
    """A one-part mail; `body` as bytes is sent as is (for charsets declared wrongly)."""
    global _n
    _n += 1
    raw_body = body.encode(charset or "utf-8") if isinstance(body, str) else body
    ctype = f"{content_type}; charset={charset}" if charset else content_type
    head = (
        f"From: {sender}\r\nTo: answers@example.org\r\nSubject: {subject}\r\n"
        f"Date: {format_datetime(T0)}\r\n"
        f"Message-ID: <{message_id or f'm{_n}.{os.getpid()}'}@mail.example.net>\r\n"
        f"MIME-Version: 1.0\r\nContent-Type: {ctype}\r\n"
        f"Content-Transfer-Encoding: 8bit\r\n{headers}\r\n"
    )
    return head.encode() + raw_body.replace(b"\n", b"\r\n")


def with_attachment(*, sender: str, subject: str, text: str, size: int) -> bytes:
    """A text part followed by a `size`-byte binary attachment, base64 as mail carries it."""
    blob = base64.encodebytes(os.urandom(size))
    boundary = "liveq-boundary-42"
    return (
        (
            f"From: {sender}\r\nTo: answers@example.org\r\nSubject: {subject}\r\n"
            f"Date: {format_datetime(T0)}\r\nMessage-ID: <big.{os.getpid()}@mail.example.net>\r\n"
            f'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="{boundary}"\r\n\r\n'
            f"--{boundary}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{text}\r\n"
            f"--{boundary}\r\nContent-Type: application/octet-stream\r\n"
            f'Content-Disposition: attachment; filename="slides.bin"\r\n'
            f"Content-Transfer-Encoding: base64\r\n\r\n"
        ).encode()
        + blob.replace(b"\n", b"\r\n")
        + f"--{boundary}--\r\n".encode()
    )


ADA = "Ada Lovelace <ada@example.org>"
BOB = "Bob Marley <bob@example.org>"
CAROL = "carol@example.net"
DAN = "Dan <dan@example.com>"
EVE = "Eve <eve@example.com>"
FRED = "Frédéric <fred@example.fr>"
GUS = "gus@example.de"


def the_mailbox() -> list[bytes]:
    """Several senders; three numbered questions in one mail; HTML only; Latin-1 declared and
    mis-declared; a 10 MB attachment; a reply quoting an earlier mail; an RSVP; no tag."""
    return [
        mail(
            sender=ADA,
            subject=f"{TAG} question",
            body="Hi,\n\nWill the recording be available after the stream?\n\nThanks,\nAda\n"
            "-- \nAda Lovelace\nAnalytical Engines Ltd\n",
        ),
        mail(
            sender=BOB,
            subject=f"[{TAG}] three questions",
            body="Hello all,\n\nHere is what I would like to ask:\n\n"
            "1. How do you choose the guests?\n"
            "2. What is the budget for the series,\n   and who pays for it?\n"
            "3. Can viewers propose topics?\n\nBest,\nBob\n",
        ),
        mail(
            sender=CAROL,
            subject=f"{TAG}",
            content_type="text/html",
            body="<html><head><style>p{color:red}</style></head><body><p>Hello!</p>"
            "<p>Is there a <b>transcript</b> of last week&#39;s episode?</p>"
            '<div class="gmail_quote">On Monday someone wrote:<blockquote>Old text?</blockquote>'
            "</div></body></html>",
        ),
        mail(
            sender=FRED,
            subject=f"{TAG} salle",
            charset="iso-8859-1",
            body="Où se trouve la salle de réunion ?".encode("latin-1"),
        ),
        mail(
            sender=GUS,
            subject=f"{TAG} Frage",
            charset="utf-8",  # but the bytes are Latin-1
            body="Warum wurde die Debatte über Größe verschoben?".encode("latin-1"),
        ),
        with_attachment(
            sender=EVE,
            subject=f"{TAG} agenda",
            text="What is the agenda for the next session?",
            size=10 * 1024 * 1024,
        ),
        mail(
            sender=DAN,
            subject=f"Re: {TAG} question",
            body="Are the slides going to be shared too?\n\n"
            "On Mon, 30 Nov 2026 at 10:00, Ada Lovelace <ada@example.org> wrote:\n"
            "> Will the recording be available after the stream?\n> Thanks, Ada\n",
        ),
        mail(sender="Zed <zed@example.org>", subject=f"{TAG} RSVP", body="I will attend. Thanks!"),
        mail(sender=EVE, subject="Lunch", body="Shall we meet for lunch before the stream?"),
    ]


EXPECTED = [
    "Will the recording be available after the stream?",
    "How do you choose the guests?",
    "What is the budget for the series, and who pays for it?",
    "Can viewers propose topics?",
    "Is there a transcript of last week's episode?",
    "Où se trouve la salle de réunion ?",
    "Warum wurde die Debatte über Größe verschoben?",
    "What is the agenda for the next session?",
    "Are the slides going to be shared too?",
]
