"""The email collector against a real Dovecot on loopback: mail into the queue, once."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from collectors.email.run import BatchReport
from fakes.dovecot import Dovecot
from fakes.telegram import FakeTelegram, chat, message
from models import Ask, ChatterCount, EmailCursor, EventSource, Platform, Question
from tests.collectors.email.conftest import EmailFactory, passes
from tests.collectors.email.mails import ADA, EXPECTED, TAG, mail, the_mailbox
from tests.collectors.telegram.conftest import CollectorFactory, processed
from tests.factories import make_event

GROUP = chat(-1001000000001, title="Live Q&A")


async def _event(db: async_sessionmaker[AsyncSession], **kwargs: Any) -> int:
    async with db() as s, s.begin():
        return (await make_event(s, **kwargs)).id


async def _questions(db: async_sessionmaker[AsyncSession], event_id: int) -> list[Question]:
    async with db() as s:
        rows = await s.scalars(
            select(Question).where(Question.event_id == event_id).order_by(Question.id)
        )
        return list(rows)


async def _asks(db: async_sessionmaker[AsyncSession], event_id: int) -> list[Ask]:
    async with db() as s:
        rows = await s.scalars(select(Ask).where(Ask.event_id == event_id).order_by(Ask.id))
        return list(rows)


class TestMailbox:
    async def test_each_question_of_the_mailbox_lands_in_the_queue_once(
        self, dovecot: Dovecot, db, email_collector: EmailFactory, caplog
    ) -> None:
        caplog.set_level(logging.INFO, "collectors.email")
        uids = dovecot.append(*the_mailbox())
        event = await _event(db, mailboxes=(dovecot.url,), subject_tag=TAG)
        reports: list[BatchReport] = []
        c = await email_collector(reports=reports)
        await c.wait_for(passes(1))

        assert sorted(q.text for q in await _questions(db, event)) == sorted(EXPECTED)
        asks = await _asks(db, event)
        assert {a.platform for a in asks} == {Platform.email}
        assert {a.source_label for a in asks} == {"email"}
        by_text = {a.text: a for a in asks}
        ada = by_text["Will the recording be available after the stream?"]
        # The address is only ever a keyed hash; the display name is kept apart (for a purge).
        assert ada.author_key and "ada@" not in ada.author_key and ada.author_name == "Ada Lovelace"
        bob = [a for a in asks if a.author_name == "Bob Marley"]
        assert len(bob) == 3 and len({a.author_key for a in bob}) == 1
        assert len({a.message_id for a in bob}) == 3
        async with db() as s:
            chatter = await s.scalar(
                select(ChatterCount.count).where(ChatterCount.event_id == event)
            )
            assert chatter == 1  # the RSVP
            source = await s.scalar(select(EventSource).where(EventSource.event_id == event))
            assert source is not None
            assert source.taken == 8 and source.errors == 2  # mis-declared; 10 MB
            assert source.last_read_at is not None and source.state.value == "active"
            cursor = await s.get(EmailCursor, source.email_mailbox)
            assert cursor is not None and cursor.last_uid == uids[-1]
        # Tagged mail is flagged as taken; the lunch invitation is left as it was.
        flags = dovecot.flags()
        assert all("$LiveqTaken" in flags[u] for u in uids[:-1])
        assert "$LiveqTaken" not in flags[uids[-1]]
        # One line each for the mis-declared charset and the big attachment; none for the rest.
        lines = [r.getMessage() for r in caplog.records if r.name == "collectors.email"]
        assert len(lines) == 2, lines
        assert any(f"uid {uids[4]}: not valid utf-8" in line for line in lines)
        assert any(
            f"uid {uids[5]}: 14.3 MB message: only its first 256 KB" in line for line in lines
        )
        # Nothing is read twice: the second pass finds nothing new.
        c.read_now()
        await c.wait_for(passes(2))
        assert [len(r.uids) for r in reports] == [len(uids)]
        assert len(await _asks(db, event)) == len(asks)

    async def test_the_same_questions_asked_live_on_telegram_merge_with_the_mailed_ones(
        self,
        dovecot: Dovecot,
        db,
        fake: FakeTelegram,
        collector: CollectorFactory,
        email_collector: EmailFactory,
    ) -> None:
        dovecot.append(*the_mailbox())
        event = await _event(
            db, mailboxes=(dovecot.url,), subject_tag=TAG, telegram_chats=(GROUP["id"],)
        )
        e = await email_collector()
        await e.wait_for(passes(1))
        fake.push(
            message(
                chat=GROUP, message_id=1, text="Will the recording be available after the stream?"
            ),
            message(chat=GROUP, message_id=2, text="how do you choose your guests?"),
            message(chat=GROUP, message_id=3, text="Who designed the stage?"),
        )
        t = await collector()
        await t.wait_for(processed(3))
        questions = {q.text: q for q in await _questions(db, event)}
        assert len(questions) == len(EXPECTED) + 1
        assert questions["Will the recording be available after the stream?"].ask_count == 2
        assert questions["How do you choose the guests?"].ask_count == 2
        assert questions["Who designed the stage?"].ask_count == 1
        platforms: dict[int, set[Platform]] = {}
        for a in await _asks(db, event):
            platforms.setdefault(a.question_id, set()).add(a.platform)
        recording = questions["Will the recording be available after the stream?"]
        assert platforms[recording.id] == {Platform.email, Platform.telegram}

    async def test_a_restart_mid_mailbox_reads_each_message_once(
        self, dovecot: Dovecot, db, email_collector: EmailFactory
    ) -> None:
        uids = dovecot.append(*the_mailbox())
        event = await _event(db, mailboxes=(dovecot.url,), subject_tag=TAG)
        first: list[BatchReport] = []
        stopping: list[Any] = []

        def crash_after_first(report: BatchReport) -> None:
            first.append(report)
            if len(first) == 1:
                import asyncio

                stopping.append(asyncio.get_running_loop().create_task(c.stop()))

        c = await email_collector(email_batch=3, on_batch=crash_after_first)
        while not stopping:
            import asyncio

            await asyncio.sleep(0.01)
        await stopping[0]
        assert [r.uids for r in first] == [tuple(uids[:3])]
        assert len(await _questions(db, event)) == 5  # Ada, Bob (three), Carol

        second: list[BatchReport] = []
        d = await email_collector(email_batch=3, reports=second)
        await d.wait_for(passes(1))
        read_again = {u for r in second for u in r.uids}
        assert read_again == set(uids[3:])
        assert sorted(q.text for q in await _questions(db, event)) == sorted(EXPECTED)
        assert len(await _asks(db, event)) == len(EXPECTED) + 0

    async def test_a_renumbered_folder_is_not_imported_again(
        self, dovecot: Dovecot, db, email_collector: EmailFactory, caplog
    ) -> None:
        dovecot.append(*the_mailbox())
        event = await _event(db, mailboxes=(dovecot.url,), subject_tag=TAG)
        c = await email_collector()
        await c.wait_for(passes(1))
        await c.stop()
        asks = len(await _asks(db, event))
        # The server's UIDVALIDITY is no longer the one the cursor was saved under.
        async with db() as s, s.begin():
            await s.execute(update(EmailCursor).values(uidvalidity=1, last_uid=0))
        new = mail(sender=ADA, subject=TAG, body="Is the next one in Lagos?")
        dovecot.append(new)
        reports: list[BatchReport] = []
        caplog.set_level(logging.INFO, "collectors.email")
        d = await email_collector(reports=reports)
        await d.wait_for(passes(1))
        # Only the messages not flagged as taken: the new one and the untagged lunch mail.
        assert sum(len(r.uids) for r in reports) == 2
        assert len(await _asks(db, event)) == asks + 1
        assert any("UIDVALIDITY changed" in r.getMessage() for r in caplog.records)

    async def test_taken_mail_moves_to_the_folder_the_host_names(
        self, dovecot: Dovecot, db, email_collector: EmailFactory
    ) -> None:
        dovecot.append(*the_mailbox()[:2], the_mailbox()[-1])
        await _event(db, mailboxes=(dovecot.url,), subject_tag=TAG, move_to="Questions taken")
        c = await email_collector()
        await c.wait_for(passes(1))
        assert len(dovecot.flags("Questions taken")) == 2
        assert len(dovecot.flags("INBOX")) == 1  # the untagged one stays

    async def test_two_events_read_one_mailbox_each_with_its_own_tag(
        self, dovecot: Dovecot, db, email_collector: EmailFactory
    ) -> None:
        dovecot.append(
            mail(sender=ADA, subject="CR&S", body="Who is the guest tonight?"),
            mail(sender=ADA, subject="Science hour", body="Why is the sky blue?"),
        )
        cr = await _event(db, mailboxes=(dovecot.url,), subject_tag="cr&s")
        science = await _event(db, mailboxes=(dovecot.url,), subject_tag="Science hour")
        c = await email_collector()
        await c.wait_for(passes(1))
        assert [q.text for q in await _questions(db, cr)] == ["Who is the guest tonight?"]
        assert [q.text for q in await _questions(db, science)] == ["Why is the sky blue?"]
        async with db() as s:
            assert await s.scalar(select(func.count()).select_from(EmailCursor)) == 1
