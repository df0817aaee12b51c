"""The email collector: reads each live event's mailbox and ingests the questions mailed to it.

One reader per mailbox, however many live events name it (each with its own subject tag).
Every `email_poll_seconds` a pass logs in, takes the messages above the mailbox's last UID in
batches, and for each batch ingests the asks into every event whose tag the subject carries and
moves the cursor, in one transaction; only then are the messages flagged (or moved to the
host's folder). A restart resumes after the last committed batch; ingestion is idempotent on
the sender and Message-ID, so a UIDVALIDITY change (the server renumbered the folder) re-reads
only messages not flagged as taken, and none of them makes a second ask.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import secrets
from collections import deque
from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from collectors.email import store
from collectors.email.api import TRANSIENT, Fetched, ImapConnection, ImapFailed, LoginRefused
from collectors.email.mailbox import BadMailbox, Passwords, parse_mailbox
from collectors.email.parse import Mail, has_tag
from collectors.email.process import ingest_mails, mail_asks
from collectors.email.readers import BatchReport, Member, Reader, _Plan, error_name, prune, read_all
from collectors.email.settings import EmailSettings
from intake.ingest import Intake
from kit.clock import Clock, utcnow
from kit.db import read_only
from kit.logs import register_secret
from models import SourceState

log = logging.getLogger("collectors.email")
T = TypeVar("T")
_HOUR = timedelta(hours=1)


class EmailCollector:
    """Reads the mailboxes of live events; `start()`, `stop()`, `status()`, `read_now()`."""

    def __init__(
        self,
        settings: EmailSettings,
        sessionmaker: async_sessionmaker[AsyncSession],
        intake: Intake,
        *,
        clock: Clock = utcnow,
        on_batch: Callable[[BatchReport], None] | None = None,
    ) -> None:
        self.settings = settings
        self._sessionmaker = sessionmaker
        self._intake = intake
        self._clock = clock
        self._on_batch = on_batch
        self._passwords = Passwords(settings)
        for password in self._passwords.all():
            register_secret(password)
        self._readers: dict[str, Reader] = {}
        self._bad: dict[int, str] = {}  # sources whose mailbox URL cannot be read, by id
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._changed = asyncio.Condition()
        self._passes = 0
        self._db_work: set[asyncio.Future[Any]] = set()
        # Sender addresses in log lines: a tag no one can reverse with a list of addresses.
        self._log_key = secrets.token_bytes(16)

    # -- lifecycle ------------------------------------------------------------------------------
    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="email-collector")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        # A batch being stored is stored to its end (see _guarded).
        await asyncio.gather(*self._db_work, return_exceptions=True)

    def read_now(self) -> None:
        """Start the next pass now instead of at the next poll."""
        self._wake.set()

    async def wait_for(
        self, predicate: Callable[[dict[str, Any]], bool], within: float = 30.0
    ) -> dict[str, Any]:
        """Until `predicate(status())` holds (checked after each pass)."""
        async with asyncio.timeout(within):
            async with self._changed:
                await self._changed.wait_for(lambda: predicate(self.status()))
        return self.status()

    # -- status ---------------------------------------------------------------------------------
    def status(self) -> dict[str, Any]:
        return {
            "running": self._task is not None,
            "passes": self._passes,
            "mailboxes": [self._describe(r) for r in self._readers.values()],
        }

    def source_status(self, event_id: int) -> list[dict[str, Any]]:
        """The event's email sources as the collector sees them (empty when not live)."""
        found = []
        for reader in self._readers.values():
            for member in reader.members.values():
                if member.event_id == event_id:
                    found.append(
                        {
                            "source_id": member.source_id,
                            "state": member.state.value,
                            "reason": member.reason,
                            **self._describe(reader),
                        }
                    )
        for source_id, reason in self._bad.items():
            found.append({"source_id": source_id, "state": "stopped", "reason": reason})
        return found

    def _describe(self, reader: Reader) -> dict[str, Any]:
        return {
            "mailbox": reader.mailbox.url,
            "last_read_at": reader.last_read_at.isoformat() if reader.last_read_at else None,
            "uidvalidity": reader.uidvalidity,
            "last_uid": reader.last_uid,
            "messages_taken": reader.messages_taken,
            "errors": reader.errors,
            "skipped_over_limit": reader.skipped_over_limit,
            "mailbox_reason": reader.reason,
        }

    # -- passes ---------------------------------------------------------------------------------
    async def _run(self) -> None:
        while True:
            try:
                await self._pass()
            except SQLAlchemyError as exc:
                log.warning(
                    "email: database error (%s); retrying at the next poll", error_name(exc)
                )
            except Exception as exc:  # a bug must not end collection for good
                log.error("email: pass failed (%s); retrying at the next poll", error_name(exc))
            self._passes += 1
            async with self._changed:
                self._changed.notify_all()
            try:
                await asyncio.wait_for(self._wake.wait(), self.settings.email_poll_seconds)
            except TimeoutError:
                pass
            self._wake.clear()

    async def _pass(self) -> None:
        async with self._sessionmaker() as s:
            await read_only(s)  # SQLite: a read must not take the write lock
            rows = await store.live_email_sources(s)
        wanted: dict[str, list[store.SourceRow]] = {}
        self._bad = {}
        for row in rows:
            try:
                box = parse_mailbox(row.mailbox)
            except BadMailbox as exc:
                self._bad[row.source_id] = f"mailbox: {exc}"
                continue
            wanted.setdefault(box.url, []).append(row)
        for url in list(self._readers):
            if url not in wanted:
                del self._readers[url]
        for url, members in wanted.items():
            reader = self._readers.get(url)
            if reader is None:
                reader = self._readers[url] = Reader(parse_mailbox(url))
            old = reader.members
            reader.members = {
                m.source_id: old.get(m.source_id)
                or Member(m.source_id, m.event_id, m.subject_tag, m.move_to)
                for m in members
            }
            for m in members:  # options may change between passes
                reader.members[m.source_id].tag = m.subject_tag
                reader.members[m.source_id].move_to = m.move_to
        await asyncio.gather(*(self._read(r) for r in list(self._readers.values())))

    async def _read(self, reader: Reader) -> None:
        box = reader.mailbox
        password = self._passwords.for_mailbox(box)
        if password is None:
            await self._set_state(
                reader,
                SourceState.stopped,
                f"no password for {box.account}: set LIVEQ_EMAIL_PASSWORD or add a line to "
                "the LIVEQ_EMAIL_SECRETS_FILE",
            )
            return
        conn = ImapConnection(box, timeout=self.settings.email_timeout_seconds)
        try:
            await self._read_new(reader, conn, password)
        except LoginRefused as exc:
            if not reader.login_refused:
                log.error("email %s: %s", box.url, exc)
            reader.login_refused = True
            reader.errors += 1
            await self._set_state(reader, SourceState.stopped, str(exc), errors=1)
        except ImapFailed as exc:
            log.warning("email %s: %s; retrying at the next poll", box.url, exc)
            reader.errors += 1
            await self._set_state(reader, SourceState.waiting, f"{exc}; retrying", errors=1)
        except TRANSIENT as exc:
            log.warning("email %s: network error (%s); retrying", box.url, error_name(exc))
            reader.errors += 1
            reason = f"network error ({type(exc).__name__}); retrying"
            await self._set_state(reader, SourceState.waiting, reason, errors=1)
        except SQLAlchemyError as exc:
            log.warning("email %s: database error (%s); retrying", box.url, error_name(exc))
        finally:
            await asyncio.shield(asyncio.to_thread(conn.close))

    async def _read_new(self, reader: Reader, conn: ImapConnection, password: str) -> None:
        box, settings = reader.mailbox, self.settings
        uidvalidity = await asyncio.to_thread(conn.open, password)
        reader.login_refused = reader.mark_failed = False
        async with self._sessionmaker() as s:
            await read_only(s)
            saved = await store.cursor(s, mailbox=box.url)
        if saved is not None and saved.uidvalidity != uidvalidity:
            log.warning(
                "email %s: UIDVALIDITY changed (%d → %d): the folder was renumbered; reading "
                "only messages without the %s keyword (those already taken are recognised)",
                box.url,
                saved.uidvalidity,
                uidvalidity,
                settings.email_flag,
            )
            uids = await asyncio.to_thread(conn.uids_without, settings.email_flag)
            last = 0
        else:
            last = saved.last_uid if saved is not None else 0
            uids = await asyncio.to_thread(conn.uids_after, last)
        reader.uidvalidity, reader.last_uid = uidvalidity, last
        now = self._clock()
        for senders in list(reader.senders):
            prune(reader.senders[senders], now)
            if not reader.senders[senders]:
                del reader.senders[senders]
        over_limit: dict[str, int] = {}
        for start in range(0, len(uids), settings.email_batch):
            batch = uids[start : start + settings.email_batch]
            fetched = await asyncio.to_thread(
                conn.fetch, batch, max_body=settings.email_max_body_bytes
            )
            mails = await asyncio.to_thread(read_all, fetched, uidvalidity)
            plan = self._plan(reader, batch, fetched, mails)
            for sender, n in plan.over_limit.items():
                over_limit[sender] = over_limit.get(sender, 0) + n
            await self._guarded(self._store(reader, uidvalidity, plan))
            if plan.take_uids:
                await self._mark(reader, conn, plan)
            if self._on_batch is not None:
                asks = sum(len(a) for a in plan.asks.values())
                self._on_batch(BatchReport(box.url, tuple(batch), asks))
        for sender, n in over_limit.items():
            reader.skipped_over_limit += n
            reader.errors += 1
            log.warning(
                "email %s: %d messages from one sender (%s) skipped: over the limit of %d an "
                "hour (a mail bomb?)",
                box.url,
                n,
                sender,
                settings.email_max_per_sender_hour,
            )
        reader.last_read_at = self._clock()
        reader.reason = None
        await self._set_state(reader, SourceState.active, None, errors=len(over_limit))

    async def _mark(self, reader: Reader, conn: ImapConnection, plan: _Plan) -> None:
        """Flag (or move) the taken messages; a server that refuses costs one log line a
        pass, and nothing else: the cursor already keeps them from being read twice."""
        try:
            if plan.move_to:
                await asyncio.to_thread(conn.move, plan.take_uids, plan.move_to)
            else:
                await asyncio.to_thread(conn.mark, plan.take_uids, self.settings.email_flag)
        except ImapFailed as exc:
            if not reader.mark_failed:
                log.warning("email %s: %s; taken mail is left as it is", reader.mailbox.url, exc)
            reader.mark_failed = True

    def _plan(
        self, reader: Reader, batch: list[int], fetched: list[Fetched], mails: list[Mail]
    ) -> _Plan:
        """Which member takes which mail, as asks; what is logged about each."""
        box, now = reader.mailbox, self._clock()
        plan = _Plan(uids=batch)
        cap = self.settings.email_max_per_sender_hour
        for item, mail in zip(fetched, mails, strict=True):
            takers = [m for m in reader.members.values() if has_tag(mail.subject, m.tag)]
            if not takers:
                continue  # not for any event here: left as it is
            plan.take_uids.append(item.uid)
            plan.move_to = plan.move_to or next((m.move_to for m in takers if m.move_to), None)
            sender = mail.sender or ""  # mail without a usable From shares one allowance
            times = reader.senders.setdefault(sender, deque())
            prune(times, now)
            if len(times) >= cap:
                tag = self._sender_tag(sender) if sender else "no sender"
                plan.over_limit[tag] = plan.over_limit.get(tag, 0) + 1
                continue
            times.append(now)
            problems = list(mail.problems)
            if item.truncated:
                problems.append(
                    f"{item.size / 1e6:.1f} MB message: only its first "
                    f"{self.settings.email_max_body_bytes // 1024} KB read (attachments skipped)"
                )
            asks_made = 0
            for member in takers:
                asks = mail_asks(mail, source_id=box.source_id, tag=member.tag, now=now)
                plan.asks.setdefault(member.source_id, []).extend(asks)
                plan.taken[member.source_id] = plan.taken.get(member.source_id, 0) + 1
                if problems:
                    plan.errors[member.source_id] = plan.errors.get(member.source_id, 0) + 1
                asks_made = max(asks_made, len(asks))
            if problems:
                log.warning(
                    "email %s uid %d: %s; %s",
                    box.url,
                    item.uid,
                    "; ".join(problems),
                    f"{asks_made} ask(s) taken" if asks_made else "nothing taken",
                )
        return plan

    async def _store(self, reader: Reader, uidvalidity: int, plan: _Plan) -> None:
        """The batch's asks into each member's event and the cursor past it: one transaction."""
        now = self._clock()
        members = reader.members
        async with self._sessionmaker() as s, s.begin():
            for source_id, asks in plan.asks.items():
                member = members.get(source_id)
                if member is not None:
                    await ingest_mails(s, intake=self._intake, event_id=member.event_id, asks=asks)
            for source_id in set(plan.taken) | set(plan.errors):
                await store.record_source(
                    s,
                    source_id=source_id,
                    now=now,
                    state=SourceState.active,
                    reason=None,
                    taken=plan.taken.get(source_id, 0),
                    errors=plan.errors.get(source_id, 0),
                )
            await store.save_cursor(
                s,
                mailbox=reader.mailbox.url,
                uidvalidity=uidvalidity,
                last_uid=max(plan.uids),
                messages=len(plan.take_uids),
                now=now,
            )
        reader.last_uid = max(plan.uids)
        reader.messages_taken += len(plan.take_uids)
        reader.errors += sum(plan.errors.values())

    async def _set_state(
        self, reader: Reader, state: SourceState, reason: str | None, *, errors: int = 0
    ) -> None:
        reader.reason = reason
        for member in reader.members.values():
            member.state, member.reason = state, reason
        ids = sorted(reader.members)
        if not ids:
            return

        async def save() -> None:
            now = self._clock()
            async with self._sessionmaker() as s, s.begin():
                for source_id in ids:
                    await store.record_source(
                        s, source_id=source_id, now=now, state=state, reason=reason, errors=errors
                    )

        await self._guarded(save())

    async def _guarded(self, work: Any) -> Any:
        """Database work runs to its end even when the collector is stopped meanwhile."""
        task = asyncio.ensure_future(work)
        self._db_work.add(task)
        task.add_done_callback(self._db_work.discard)
        return await asyncio.shield(task)

    def _sender_tag(self, sender: str) -> str:
        return "sender " + hashlib.blake2b(sender.encode(), key=self._log_key).hexdigest()[:8]
