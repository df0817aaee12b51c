"""The Telegram collector: python-telegram-bot's Bot, long polling (or a webhook) into the queue.

A custom getUpdates loop rather than PTB's Updater: the Updater confirms a batch (asks for
last update_id + 1) as soon as it has queued it, before any handler ran; here the next offset is
asked for only once the batch is kept in the inbox (collectors/telegram/inbox.py), so a crash
loses nothing. One task fetches and keeps, another stores what was kept (several batches at
once when it falls behind) and then deletes it from the inbox: a flood's next fetch never
waits for the last batch's ingestion.
"""

from __future__ import annotations

import asyncio
import logging
import random
import secrets
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from telegram.error import Conflict, InvalidToken, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.request import HTTPXRequest

from collectors.telegram import inbox
from collectors.telegram.acks import send_acks
from collectors.telegram.api import (
    ALLOWED_UPDATES,
    PRIVACY_WARNING,
    Backoff,
    PollingBot,
    conflict_reason,
    retry_after,
)
from collectors.telegram.pacing import AckLimiter
from collectors.telegram.parse import Parsed, message_texts, parse_update
from collectors.telegram.process import AckRequest, BatchOutcome, process_batch
from collectors.telegram.redact import TokenRedaction
from collectors.telegram.setaside import set_asides
from collectors.telegram.settings import TelegramSettings
from collectors.telegram.store import set_live_sources_state
from collectors.telegram.transport import AiohttpRequest
from intake.ingest import Intake
from intake.setaside import database_answers, record_set_aside, store_or_set_aside
from intake.suggest_later import SuggestLater
from kit.clock import Clock, utcnow
from kit.wakeups import SourceWatch, Wakeups
from models import SourceState

log = logging.getLogger(__name__)

# Batches fetched and kept ahead of the one being stored; the next fetch waits beyond.
AHEAD = 10
# Updates stored in one transaction at most, when batches were kept faster than stored.
TOGETHER = 500


Sleep = Callable[[float], Awaitable[None]]


class TelegramCollector:
    """Collects from every chat the bot is in into the live events that list that chat."""

    def __init__(
        self,
        settings: TelegramSettings,
        sessionmaker: async_sessionmaker[AsyncSession],
        intake: Intake,
        *,
        clock: Clock = utcnow,
        sleep: Sleep = asyncio.sleep,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self.settings, self.sessionmaker, self.intake = settings, sessionmaker, intake
        self._clock = clock
        self._last_update_at: str | None = None
        self.sleep = sleep
        self.backoff = Backoff(
            settings.telegram_backoff_initial, settings.telegram_backoff_max, jitter
        )
        self.limiter = AckLimiter(clock)
        self.redact = TokenRedaction(settings.token or "")
        secret = settings.telegram_webhook_secret
        self.webhook_secret = secret.get_secret_value() if secret else secrets.token_urlsafe(32)
        self._bot: PollingBot | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._acks: asyncio.Queue[AckRequest] = asyncio.Queue()
        self.store_backoff = Backoff(
            settings.telegram_backoff_initial, settings.telegram_backoff_max, jitter
        )
        # Kept in the inbox, waiting to be stored; how many updates that is, and those taken
        # by the store task and not yet committed.
        self._kept: asyncio.Queue[inbox.Kept] = asyncio.Queue(AHEAD)
        self._waiting = 0
        self._behind = False  # the last fetch was full: more wait at Telegram
        self._store_failed = False
        self._fetching: asyncio.Task[None] | None = None
        self._inbox: inbox.Inbox | None = None
        # Kept batches whose texts are being read ahead (intake/text/ahead.py), by inbox id.
        self._reading: dict[int, asyncio.Task[None]] = {}
        # New questions' suggestions: found after their batch commits, off the next fetch's path.
        self.suggest_later = SuggestLater(sessionmaker, clock=intake.clock)
        self._changed = asyncio.Condition()
        self._one_at_a_time = asyncio.Lock()
        self._offset: int | None = None
        self._state, self._reason = "stopped", "not started"
        self._username: str | None = None
        self._privacy_warning: str | None = None
        self._last_error: str | None = None
        self._synced: tuple[SourceState, str | None] | None = None
        self._watch: SourceWatch | None = None
        self._counts = {
            "updates_processed": 0,
            "updates_skipped": 0,
            "batches": 0,
            "acks_sent": 0,
            "acks_dropped": 0,
            "retries": 0,
            "updates_set_aside": 0,
        }

    @property
    def mode(self) -> str:
        return "webhook" if self.settings.telegram_webhook_url else "polling"

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        """Start collecting in the background; problems show in status(), never raise."""
        token = self.settings.token
        if not token:
            await self._set("stopped", "LIVEQ_TELEGRAM_BOT_TOKEN is not set")
            return
        self.redact.install()
        self._bot = PollingBot(
            token,
            base_url=self.settings.telegram_api_url,
            request=HTTPXRequest(connection_pool_size=4, read_timeout=10),
            get_updates_request=AiohttpRequest(read_timeout=10),
        )
        await self._set("starting", "connecting to Telegram")
        self._watch = SourceWatch(self.sessionmaker)
        wakeups = await self._watch.start()
        self.suggest_later.start(self.intake)
        self._fetching = asyncio.create_task(self._run(), name="telegram-collector")
        self._tasks = [
            self._fetching,
            asyncio.create_task(self._store_kept(), name="telegram-store"),
            asyncio.create_task(send_acks(self), name="telegram-acks"),
            asyncio.create_task(self._follow_sources(wakeups), name="telegram-sources"),
        ]

    async def stop(self, *, confirm: bool = True) -> None:
        """Stop: no more fetches, what was fetched stored (within a few seconds; the rest waits
        in the inbox for the next start), and confirmed to Telegram. `confirm=False` stops as
        a killed process would: at once, without a word to Telegram."""
        if confirm and self._fetching is not None:
            self._fetching.cancel()
            try:
                await self.wait_for(lambda s: s["updates_waiting"] == 0, within=5.0)
            except TimeoutError:
                log.warning("telegram: stopping with %d updates left in the inbox", self._waiting)
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks, self._fetching = [], None
        await self.suggest_later.stop()
        if self._inbox is not None:
            await self._inbox.close()
            self._inbox = None
        if self._watch is not None:
            await self._watch.stop()
            self._watch = None
        bot = self._bot
        if bot is not None:
            if confirm and self._offset is not None and self.mode == "polling":
                # Best effort: what is not confirmed comes again on the next start, harmlessly.
                try:
                    async with asyncio.timeout(3):
                        await bot.raw_updates(
                            offset=self._offset,
                            limit=1,
                            poll_seconds=0,
                            allowed_updates=ALLOWED_UPDATES,
                        )
                except (TelegramError, TimeoutError) as exc:
                    log.info("telegram: could not confirm the last batch on stop: %r", exc)
            try:
                await bot.shutdown()
            except TelegramError:
                pass
            self._bot = None
        if self._state != "stopped":
            await self._sync_sources(SourceState.waiting, "the Telegram collector is not running")
            await self._set("stopped", "stopped")
        self.redact.uninstall()

    def status(self) -> dict[str, Any]:
        """A JSON-able snapshot for /readyz, the CLI and the dashboard."""
        return {
            "state": self._state,
            "reason": self._reason,
            "mode": self.mode,
            "bot_username": self._username,
            "privacy_warning": self._privacy_warning,
            "last_error": self._last_error,
            "acks_pending": self._acks.qsize(),
            "updates_waiting": self._waiting,
            "last_update_at": self._last_update_at,
            **self._counts,
        }

    async def wait_for(
        self, predicate: Callable[[dict[str, Any]], bool], within: float = 5.0
    ) -> dict[str, Any]:
        """Wait until status() satisfies `predicate` (tests, the demo); TimeoutError if not."""
        async with asyncio.timeout(within):
            async with self._changed:
                await self._changed.wait_for(lambda: predicate(self.status()))
        return self.status()

    # -- start-up and polling ----------------------------------------------------------------

    async def _run(self) -> None:
        try:
            if not await self._connect():
                return
            if self.mode == "webhook":
                await self._register_webhook()
                return
            await self._resume()
            if self.intake.ahead is not None:
                self.intake.ahead.start()  # ready for a flood's first batches
            await self._running("long polling")
            await self._poll()
        except Exception as exc:  # a bug, not a Telegram problem: say so instead of going quiet
            log.exception("telegram: the collector stopped unexpectedly")
            await self._fail(self.redact(f"stopped unexpectedly: {type(exc).__name__}: {exc}"))

    async def _connect(self) -> bool:
        bot = self._bot
        assert bot is not None
        while True:
            try:
                await bot.initialize()  # getMe
                break
            except InvalidToken:
                await self._fail(
                    "Telegram refused the bot token (401 Unauthorized): check "
                    "LIVEQ_TELEGRAM_BOT_TOKEN; the Telegram collector is stopped"
                )
                return False
            except RetryAfter as exc:
                await self._pause(exc, retry_after(exc))
            except (NetworkError, TimedOut) as exc:
                await self._pause(exc, self.backoff.next())
        self.backoff.reset()
        self._username = bot.username
        if not bot.bot.can_read_all_group_messages:
            self._privacy_warning = PRIVACY_WARNING
            log.warning("telegram: @%s: %s", bot.username, PRIVACY_WARNING)
        log.info("telegram: connected as @%s (%s)", bot.username, self.mode)
        return True

    async def _register_webhook(self) -> None:
        bot = self._bot
        assert bot is not None and self.settings.telegram_webhook_url
        while True:
            try:
                await bot.set_webhook(
                    self.settings.telegram_webhook_url,
                    secret_token=self.webhook_secret,
                    allowed_updates=list(ALLOWED_UPDATES),
                )
                break
            except InvalidToken:
                await self._fail("Telegram refused the bot token (401 Unauthorized)")
                return
            except RetryAfter as exc:
                await self._pause(exc, retry_after(exc))
            except TelegramError as exc:
                await self._pause(exc, self.backoff.next())
        self.backoff.reset()
        await self._running("receiving updates by webhook")

    async def _poll(self) -> None:
        bot = self._bot
        assert bot is not None
        while True:
            try:
                raw = await bot.raw_updates(
                    offset=self._offset,
                    limit=self.settings.telegram_poll_limit,
                    # After a full batch, a short poll (timeout 0) answers at once whether more
                    # are waiting: an empty answer ends the backlog now, not when a long poll
                    # would have ended (suggestions wait for the backlog).
                    poll_seconds=0 if self._behind else self.settings.telegram_poll_timeout,
                    allowed_updates=ALLOWED_UPDATES,
                )
            except TimedOut:
                continue  # a long poll outlived the read timeout: just ask again
            except InvalidToken:
                await self._fail("Telegram refused the bot token (401 Unauthorized)")
                return
            except RetryAfter as exc:
                await self._pause(exc, retry_after(exc))
                continue
            except Conflict as exc:
                await self._pause(exc, self.backoff.next(), reason=conflict_reason(exc))
                continue
            except (NetworkError, TelegramError) as exc:  # 5xx, 400s, 403s
                await self._pause(exc, self.backoff.next())
                continue
            if self._state != "running" and not self._store_failed:
                await self._running("long polling")
            # A full batch: more are waiting, so suggestions wait until the backlog is stored.
            self._behind = len(raw) >= self.settings.telegram_poll_limit
            self._follow_backlog()
            if not raw:
                self.backoff.reset()
                continue
            try:
                kept = await self._keep(raw)
            except Exception as exc:
                # Nothing was confirmed: the same updates come again after the pause.
                log.exception("telegram: keeping a batch of %d updates failed", len(raw))
                await self._pause(exc, self.backoff.next(), reason="storing updates failed")
                continue
            self.backoff.reset()
            if self.intake.ahead is not None and self._waiting:
                # The store is busy with a batch before this one: read its texts meanwhile.
                # (An idle store takes it at once, before the reader could answer: sending it
                # too cost the reader's CPU for nothing.)
                reading = self.intake.ahead.read(message_texts(kept.updates))
                if reading is not None:
                    self._reading[kept.id] = reading
            await self._kept.put(kept)  # the next fetch confirms it: it is in the inbox
            self._waiting += len(kept.updates)  # (the store can take it only after this)

    async def _keep(self, raw: list[dict[str, Any]]) -> inbox.Kept:
        """Keep a fetched batch in the inbox, and move the offset past it."""
        ids = [
            u["update_id"] for u in raw if isinstance(u, dict) and type(u.get("update_id")) is int
        ]
        next_offset = max(ids) + 1 if ids else self._offset
        assert self._inbox is not None
        kept = await self._inbox.keep(
            bot_id=self._bot_id(),
            updates=[u for u in raw if isinstance(u, dict)],
            next_offset=next_offset,
            now=self.intake.clock(),
        )
        self._offset = next_offset
        return kept

    def _engine(self) -> AsyncEngine:
        bind = self.sessionmaker.kw["bind"]
        return bind if isinstance(bind, AsyncEngine) else bind.engine

    def _bot_id(self) -> int:
        assert self._bot is not None
        return int(self._bot.id)

    async def _resume(self) -> None:
        """After a restart: resume getUpdates after what the inbox holds, and queue that for
        storing ahead of anything fetched (a process killed after keeping it left it there)."""
        while True:
            try:
                if self._inbox is None:
                    self._inbox = await inbox.open_inbox(self._engine())
                offset, left = await self._inbox.left(
                    bot_id=self._bot_id(), now=self.intake.clock()
                )
                break
            except Exception as exc:
                await self._pause(exc, self.backoff.next(), reason="reading the inbox failed")
        self.backoff.reset()
        if offset is not None:
            self._offset = offset
        if left:
            log.info(
                "telegram: storing %d updates a previous run fetched and did not store",
                sum(len(k.updates) for k in left),
            )
        for kept in left:  # stored first: the store task takes batches in the order queued
            await self._kept.put(kept)
            self._waiting += len(kept.updates)

    async def _store_kept(self) -> None:
        """Store what the fetching task keeps, in order: all that is waiting at once, up to
        TOGETHER updates (fewer, larger transactions when behind)."""
        while True:
            take = [await self._kept.get()]
            count = len(take[0].updates)
            while not self._kept.empty() and count < TOGETHER:
                take.append(self._kept.get_nowait())
                count += len(take[-1].updates)
            await self._store_until_done(take)

    async def _store_until_done(self, take: list[inbox.Kept]) -> None:
        """Store kept batches, retrying after a pause until it works: they are in the inbox,
        and whatever comes after must wait for them."""
        self._follow_backlog()
        updates = [u for kept in take for u in kept.updates]
        for kept in take:
            # Read by now, as a rule, while the batch before was stored. If not (the first
            # batch of a flood, or the reader fell behind), reading inline is quicker than
            # waiting: the reading is called off.
            reading = self._reading.pop(kept.id, None)
            if reading is not None:
                reading.cancel()
        try:
            while True:
                try:
                    await self._ingest(updates, kept=[kept.id for kept in take])
                    break
                except Exception as exc:
                    log.exception("telegram: storing %d updates failed", len(updates))
                    self._store_failed = True
                    await self._pause(
                        exc, self.store_backoff.next(), reason="storing updates failed"
                    )
        finally:  # stored, or left in the inbox for the next start (stopped meanwhile)
            self._waiting -= len(updates)
        self.store_backoff.reset()
        self._follow_backlog()
        if self._store_failed:
            self._store_failed = False
            if self._state == "error":
                await self._running("long polling")
        await self._notify()

    def _follow_backlog(self) -> None:
        """Suggestions wait while a backlog is fetched and stored (intake/suggest_later.py)."""
        self.suggest_later.catching_up(self._behind or self._waiting > 0)

    async def _ingest(self, raw: list[dict[str, Any]], *, kept: Sequence[int] = ()) -> None:
        """Store updates, then forget the inbox's batches `kept` (in the same transaction
        where the inbox shares the database)."""
        batch = self._parse(raw)
        outcome = BatchOutcome()
        forgotten = not kept

        async def store(part: Sequence[Parsed]) -> None:
            nonlocal forgotten
            whole = len(part) == len(batch)
            forgotten = await self._store(part, outcome, forget=kept if whole else ()) or forgotten

        # A batch that fails is split until the update at fault is found; that one is set
        # aside after a retry, so the updates after it are never held up (intake/setaside.py).
        failed = await store_or_set_aside(
            batch, store=store, healthy=lambda: database_answers(self.sessionmaker)
        )
        if failed:
            async with self.sessionmaker() as session, session.begin():
                await record_set_aside(session, items=set_asides(failed), now=self.intake.clock())
        if not forgotten:
            assert self._inbox is not None
            await self._inbox.forget(kept)
        for ack in outcome.acks:
            self._acks.put_nowait(ack)
        self._counts["batches"] += 1
        self._last_update_at = self._clock().isoformat()
        self._counts["updates_processed"] += len(batch) - len(failed)
        self._counts["updates_skipped"] += len(raw) - len(batch)
        self._counts["updates_set_aside"] += len(failed)
        await self._notify()

    async def _store(
        self, batch: Sequence[Parsed], into: BatchOutcome, *, forget: Sequence[int] = ()
    ) -> bool:
        """Store some updates in one transaction, which deletes the inbox's batches `forget`
        where it can (returns whether it did); `into` learns their acknowledgements once
        committed."""
        outcome = BatchOutcome()
        try:
            # One batch at a time, start to commit: webhook requests arrive concurrently, and
            # one transaction must not match questions another has not committed yet.
            async with self._one_at_a_time, self.sessionmaker() as session, session.begin():
                await process_batch(
                    session, intake=self.intake, batch=batch, into=outcome, later=self.suggest_later
                )
                forgotten = False
                if forget:
                    assert self._inbox is not None  # what was kept came from it
                    forgotten = await self._inbox.forget_in(session, forget)
        except BaseException:
            # Ingestion put this batch's new questions in the process-wide index at once; they
            # were rolled back, so those indexes are rebuilt from the database on next use.
            for event_id in outcome.events:
                self.intake.indexes.forget(event_id)
            raise
        into.acks += outcome.acks
        return forgotten

    def _parse(self, raw: list[dict[str, Any]]) -> list[Parsed]:
        parsed = []
        for item in raw:
            try:
                parsed.append(parse_update(item, bot_username=self._username))
            except Exception as exc:
                log.warning(
                    "telegram: skipping malformed update %r: %s",
                    item.get("update_id") if isinstance(item, dict) else None,
                    self.redact(repr(exc)),
                )
        return parsed

    async def handle_update(self, data: dict[str, Any]) -> None:
        """One update received by webhook: committed before this returns (the HTTP 200)."""
        await self._ingest([data])

    async def _follow_sources(self, wakeups: Wakeups) -> None:
        """A chat linked to an event (or an event made live) shows the collector's state at
        once; its messages are routed from the next batch on, as routes are read per batch."""
        while True:
            await wakeups.next()
            if self._synced is not None:
                state, reason = self._synced
                self._synced = None  # the new sources are not in that state yet
                await self._sync_sources(state, reason)
            await self._notify()

    # -- state -------------------------------------------------------------------------------

    async def _pause(self, exc: Exception, delay: float, *, reason: str | None = None) -> None:
        message = self.redact(f"{type(exc).__name__}: {exc}")
        self._last_error = f"{reason} ({message})" if reason else message
        self._counts["retries"] += 1
        log.warning("telegram: %s; retrying in %.1f s", reason or message, delay)
        await self._sync_sources(SourceState.waiting, reason or message)
        await self._set("error", f"{reason or message}; retrying in {delay:.1f} s")
        await self.sleep(delay)

    async def _fail(self, reason: str) -> None:
        self._last_error = reason
        log.error("telegram: %s", reason)
        # Sources first: whoever waits on status() then finds the database agreeing.
        await self._sync_sources(SourceState.stopped, reason)
        await self._set("stopped", reason)

    async def _running(self, reason: str) -> None:
        await self._sync_sources(SourceState.active, self._privacy_warning)
        await self._set("running", reason)

    async def _sync_sources(self, state: SourceState, reason: str | None) -> None:
        """Show the collector's condition on the live events' Telegram sources (dashboard)."""
        if self._synced == (state, reason):
            return
        try:
            async with self.sessionmaker() as session, session.begin():
                await set_live_sources_state(
                    session, state=state, reason=reason, now=self.intake.clock()
                )
            self._synced = (state, reason)
        except Exception as exc:  # the database may be what is failing: never fatal here
            log.warning("telegram: could not record the sources' state: %r", exc)

    async def _set(self, state: str, reason: str) -> None:
        self._state, self._reason = state, reason
        await self._notify()

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()
