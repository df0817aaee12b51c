"""Bad mail and bad settings: no crash, one clear log line each, nothing read twice."""

from __future__ import annotations

import logging
import time

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from collectors.email.run import BatchReport
from fakes.dovecot import PASSWORD, Dovecot
from models import Ask, EventSource, Question
from tests.collectors.email.conftest import EmailFactory, passes
from tests.collectors.email.mails import TAG, mail
from tests.factories import make_event


async def _event(db: async_sessionmaker[AsyncSession], **kwargs: object) -> int:
    async with db() as s, s.begin():
        return (await make_event(s, **kwargs)).id  # type: ignore[arg-type]


async def _texts(db: async_sessionmaker[AsyncSession], event_id: int) -> list[str]:
    async with db() as s:
        rows = await s.scalars(
            select(Question.text).where(Question.event_id == event_id).order_by(Question.id)
        )
        return list(rows)


def _lines(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "collectors.email"]


BROKEN_MIME = (
    b"From: Mal <mal@example.org>\r\nSubject: CR&S broken\r\nMessage-ID: <broken@x>\r\n"
    b'MIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary="nope"\r\n\r\n'
    b"no boundary ever opens here\r\nWhat does a broken mail become?\r\n"
)
UNKNOWN_CHARSET = mail(
    sender="kim@example.org",
    subject=f"{TAG} charset",
    charset="x-klingon-42",
    body=b"Can a mail in an unknown charset still ask something?",
)
EMPTY = mail(sender="nil@example.org", subject=TAG, body="")
HOSTILE = mail(
    sender="\u202eevil <h@example.org>",
    subject=f"{TAG} \x00",
    body="Is this\x00 \u202etext\u202c safe? \ud800".encode("utf-8", "surrogatepass"),
)


class TestBadMail:
    async def test_bad_messages_are_logged_once_each_and_never_stop_the_source(
        self, dovecot: Dovecot, db, email_collector: EmailFactory, caplog
    ) -> None:
        caplog.set_level(logging.INFO, "collectors.email")
        good = mail(sender="ok@example.org", subject=TAG, body="Does the good one still count?")
        uids = dovecot.append(BROKEN_MIME, UNKNOWN_CHARSET, EMPTY, HOSTILE, good)
        event = await _event(db, mailboxes=(dovecot.url,), subject_tag=TAG)
        c = await email_collector()
        await c.wait_for(passes(1))
        texts = await _texts(db, event)
        assert "Does the good one still count?" in texts
        assert "Can a mail in an unknown charset still ask something?" in texts
        # The body of a multipart whose boundary never came is read as text.
        assert "no boundary ever opens here What does a broken mail become?" in texts
        hostile = next(t for t in texts if t.startswith("Is this"))
        assert "\x00" not in hostile and "\u202e" not in hostile and "\ud800" not in hostile
        lines = _lines(caplog)
        assert len(lines) == 4, lines
        assert f"uid {uids[0]}: malformed MIME" in lines[0]
        assert f"uid {uids[1]}: unknown charset 'x-klingon-42'" in lines[1]
        assert f"uid {uids[2]}: empty body; nothing taken" in lines[2]
        assert f"uid {uids[3]}: not valid utf-8" in lines[3]
        async with db() as s:
            source = await s.scalar(select(EventSource).where(EventSource.event_id == event))
            assert source is not None and source.state.value == "active"
            assert source.errors == 4 and source.taken == 5

    async def test_a_mail_bomb_is_capped_per_sender_with_one_line(
        self, dovecot: Dovecot, db, email_collector: EmailFactory, caplog
    ) -> None:
        caplog.set_level(logging.INFO, "collectors.email")
        started = time.perf_counter()
        dovecot.append_many(
            mail(sender="bomb@example.org", subject=TAG, body=f"Buy number {n} now?")
            for n in range(10_000)
        )
        dovecot.append(mail(sender="ada@example.org", subject=TAG, body="A real question?"))
        filled = time.perf_counter() - started
        event = await _event(db, mailboxes=(dovecot.url,), subject_tag=TAG)
        reports: list[BatchReport] = []
        c = await email_collector(reports=reports, email_batch=500)
        status = await c.wait_for(passes(1), within=120)
        texts = await _texts(db, event)
        assert len(texts) == 21 and "A real question?" in texts
        box = status["mailboxes"][0]
        assert box["skipped_over_limit"] == 9_980 and box["messages_taken"] == 10_001
        lines = _lines(caplog)
        assert len(lines) == 1 and "9980 messages from one sender" in lines[0]
        assert "bomb@" not in lines[0]
        assert sum(len(r.uids) for r in reports) == 10_001
        # A restart reads none of them again.
        await c.stop()
        again: list[BatchReport] = []
        d = await email_collector(reports=again)
        await d.wait_for(passes(1))
        assert again == []
        print(f"10,001 messages: filled in {filled:.1f} s")


class TestSettings:
    async def test_a_refused_login_stops_the_source_with_a_reason_and_no_password(
        self, dovecot: Dovecot, db, email_collector: EmailFactory, caplog
    ) -> None:
        caplog.set_level(logging.DEBUG)
        event = await _event(db, mailboxes=(dovecot.url,))
        c = await email_collector(email_password="wrong-password-123")
        await c.wait_for(passes(1))
        c.read_now()
        await c.wait_for(passes(2))
        async with db() as s:
            source = await s.scalar(select(EventSource).where(EventSource.event_id == event))
            assert source is not None and source.state.value == "stopped"
            assert "refused the login for answers@example.org" in (source.state_reason or "")
        text = caplog.text
        assert "wrong-password-123" not in text and PASSWORD not in text
        refused = [line for line in _lines(caplog) if "refused the login" in line]
        assert len(refused) == 1  # not once per poll

    async def test_a_mailbox_without_a_password_says_where_to_put_one(
        self, dovecot: Dovecot, db, email_collector: EmailFactory
    ) -> None:
        event = await _event(db, mailboxes=(dovecot.url,))
        c = await email_collector(email_password=None)
        await c.wait_for(passes(1))
        async with db() as s:
            source = await s.scalar(select(EventSource).where(EventSource.event_id == event))
            assert source is not None and source.state.value == "stopped"
            assert "LIVEQ_EMAIL_PASSWORD" in (source.state_reason or "")

    async def test_the_secrets_file_names_each_mailbox_s_password(
        self, dovecot: Dovecot, db, email_collector: EmailFactory, tmp_path
    ) -> None:
        secrets = tmp_path / "imap-secrets"
        secrets.write_text(f"# liveq mailboxes\n{dovecot.user}@127.0.0.1 = {PASSWORD}\n")
        dovecot.append(mail(sender="a@example.org", subject="x", body="Is the file read?"))
        event = await _event(db, mailboxes=(dovecot.url,))
        c = await email_collector(email_password=None, email_secrets_file=secrets)
        await c.wait_for(passes(1))
        assert await _texts(db, event) == ["Is the file read?"]

    async def test_an_unreachable_server_waits_and_retries(
        self, db, email_collector: EmailFactory
    ) -> None:
        event = await _event(db, mailboxes=("imap://nobody@127.0.0.1:9/INBOX",))
        c = await email_collector()
        status = await c.wait_for(passes(1))
        assert status["mailboxes"][0]["errors"] == 1
        async with db() as s:
            source = await s.scalar(select(EventSource).where(EventSource.event_id == event))
            assert source is not None and source.state.value == "waiting"
            assert "cannot reach 127.0.0.1:9" in (source.state_reason or "")
            assert source.errors == 1
        async with db() as s:
            assert (await s.scalars(select(Ask))).all() == []
