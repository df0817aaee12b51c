"""The Telegram collector: python-telegram-bot's Bot, long polling (or a webhook) into the queue.

A custom getUpdates loop rather than PTB's Updater: the Updater confirms a batch (asks for
last update_id + 1) as soon as it has queued it, before any handler ran; here the next offset is
asked for only after the batch's transaction committed, so a crash loses nothing. Re-delivery
is harmless: ingestion is idempotent per message.
"""

from __future__ import annotations

import asyncio
import logging
import random
import secrets
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram.error import Conflict, InvalidToken, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.request import HTTPXRequest

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
from collectors.telegram.parse import Parsed, parse_update
from collectors.telegram.process import AckRequest, BatchOutcome, process_batch
from collectors.telegram.redact import TokenRedaction
from collectors.telegram.setaside import set_asides
from collectors.telegram.settings import TelegramSettings
from collectors.telegram.store import set_live_sources_state
from intake.ingest import Intake
from intake.setaside import database_answers, record_set_aside, store_or_set_aside
from intake.suggest_later import SuggestLater
from kit.clock import Clock, utcnow
from kit.wakeups import SourceWatch, Wakeups
from models import SourceState

log = logging.getLogger(__name__)


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
            get_updates_request=HTTPXRequest(read_timeout=10),
        )
        await self._set("starting", "connecting to Telegram")
        self._watch = SourceWatch(self.sessionmaker)
        wakeups = await self._watch.start()
        self.suggest_later.start(self.intake)
        self._tasks = [
            asyncio.create_task(self._run(), name="telegram-collector"),
            asyncio.create_task(send_acks(self), name="telegram-acks"),
            asyncio.create_task(self._follow_sources(wakeups), name="telegram-sources"),
        ]

    async def stop(self, *, confirm: bool = True) -> None:
        """Stop, confirming what was committed so it is not delivered again (unless not asked)."""
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        await self.suggest_later.stop()
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
                    poll_seconds=self.settings.telegram_poll_timeout,
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
            if self._state != "running":
                await self._running("long polling")
            # A full batch: more are waiting, so suggestions wait until the backlog is read.
            self.suggest_later.catching_up(len(raw) >= self.settings.telegram_poll_limit)
            if not raw:
                self.backoff.reset()
                continue
            try:
                await self._ingest(raw)
            except Exception as exc:
                # Nothing was confirmed: the same updates come again after the pause.
                log.exception("telegram: storing a batch of %d updates failed", len(raw))
                await self._pause(exc, self.backoff.next(), reason="storing updates failed")
                continue
            self.backoff.reset()

    async def _ingest(self, raw: list[dict[str, Any]]) -> None:
        batch = self._parse(raw)
        outcome = BatchOutcome()
        # A batch that fails is split until the update at fault is found; that one is set
        # aside after a retry, so the updates after it are never held up (intake/setaside.py).
        failed = await store_or_set_aside(
            batch,
            store=lambda part: self._store(part, outcome),
            healthy=lambda: database_answers(self.sessionmaker),
        )
        if failed:
            async with self.sessionmaker() as session, session.begin():
                await record_set_aside(session, items=set_asides(failed), now=self.intake.clock())
        ids = [u["update_id"] for u in raw if isinstance(u.get("update_id"), int)]
        if ids:
            self._offset = max(ids) + 1
        for ack in outcome.acks:
            self._acks.put_nowait(ack)
        self._counts["batches"] += 1
        self._last_update_at = self._clock().isoformat()
        self._counts["updates_processed"] += len(batch) - len(failed)
        self._counts["updates_skipped"] += len(raw) - len(batch)
        self._counts["updates_set_aside"] += len(failed)
        await self._notify()

    async def _store(self, batch: Sequence[Parsed], into: BatchOutcome) -> None:
        """Store some updates in one transaction; `into` learns their acknowledgements once
        committed."""
        outcome = BatchOutcome()
        try:
            # One batch at a time, start to commit: webhook requests arrive concurrently, and
            # one transaction must not match questions another has not committed yet.
            async with self._one_at_a_time, self.sessionmaker() as session, session.begin():
                await process_batch(
                    session, intake=self.intake, batch=batch, into=outcome, later=self.suggest_later
                )
        except BaseException:
            # Ingestion put this batch's new questions in the process-wide index at once; they
            # were rolled back, so those indexes are rebuilt from the database on next use.
            for event_id in outcome.events:
                self.intake.indexes.forget(event_id)
            raise
        into.acks += outcome.acks

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
