"""Following one YouTube video: find its live chat, read it page by page, store each page."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Coroutine, Sequence
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from collectors.youtube import pacing, store
from collectors.youtube.api import MAX_RESULTS, TRANSIENT, CallFailed, Verdict, judge
from collectors.youtube.budget import QuotaKeeper, quota_reason
from collectors.youtube.core import PageReport, _Gone, _Stop
from collectors.youtube.parse import ChatPage, NewAsk, chat_page, stream_state, video_id
from collectors.youtube.process import ingest_page
from collectors.youtube.readers import Reader, Source
from collectors.youtube.redact import redact
from collectors.youtube.setaside import ingest_in_parts
from intake.setaside import SetAside, database_answers, is_outage, record_set_aside
from models import SourceState

log = logging.getLogger("collectors.youtube")

_RATE_LIMIT_FACTOR_CAP = 16.0


class ChatFollower(QuotaKeeper):
    """Reads each video's chat until it ends or its sources go."""

    async def _follow(self, reader: Reader) -> None:
        try:
            await self._follow_until_done(reader)
        except asyncio.CancelledError:
            raise
        except _Gone:
            log.info("YouTube video %s: its sources were removed", reader.video_id)
        except Exception as exc:
            log.exception("YouTube video %s failed", reader.video_id)
            await self._set_state(
                reader, SourceState.stopped, redact(f"internal error: {type(exc).__name__}")
            )
        finally:
            reader.finished = True
            self._follow_backlog(reader, behind=False)

    async def _follow_until_done(self, reader: Reader) -> None:
        try:
            reader.video_id = video_id(reader.video_id)
        except ValueError as exc:
            await self._set_state(reader, SourceState.stopped, str(exc))
            return
        resolved = False
        while True:
            try:
                if not resolved:
                    delay = await self._resolve(reader)
                    resolved = delay is None
                else:
                    delay = await self._poll(reader)
            except _Stop as stop:
                await self._set_state(reader, stop.state, stop.reason)
                if stop.retry_in is None:
                    return
                delay = stop.retry_in
            except _Gone as gone:
                # Not stored: the members left read the same page again.
                for source_id in gone.source_ids:
                    reader.members.pop(source_id, None)
                if not reader.members:
                    raise
                delay = reader.api_interval
            except SQLAlchemyError as exc:
                # The page was not stored and its token not saved: the next poll reads it again.
                reader.failures += 1
                delay = max(self._backoff(reader), reader.api_interval)
                log.warning(
                    "YouTube video %s: database error (%s); retrying in %.1f s",
                    reader.video_id,
                    type(exc).__name__,
                    delay,
                )
            if delay:
                await self._sleep(delay)

    async def _resolve(self, reader: Reader) -> float | None:
        """Find the live chat: None when found (poll now), else seconds until the next look."""
        api = self._api
        assert api is not None
        payload = await self._call(reader, pacing.LIST_VIDEOS_COST, api.stream(reader.video_id))
        if payload is None:
            return self._backoff(reader)
        reader.failures = 0
        state = stream_state(payload, video=reader.video_id)
        now = self._clock()
        if not state.found:
            raise _Stop(
                SourceState.stopped,
                f"video {reader.video_id} not found (private, deleted or mistyped?)",
            )
        if not state.live_stream:
            raise _Stop(SourceState.stopped, f"video {reader.video_id} is not a live stream")
        if state.live_chat_id is not None:
            reader.live_since = state.started_at or reader.live_since or now
            if state.live_chat_id != reader.live_chat_id:
                log.info("YouTube video %s: the stream is live", reader.video_id)
                reader.live_chat_id, reader.page_token = state.live_chat_id, None
                await self._set_state(
                    reader,
                    SourceState.active,
                    None,
                    live_chat_id=state.live_chat_id,
                    clear_token=True,
                )
            return None
        if state.ended:
            if reader.live_chat_id is not None:
                return None  # read what is left; the chat answers liveChatEnded when drained
            raise _Stop(
                SourceState.ended, f"the stream ended at {state.ended_at:%Y-%m-%d %H:%M} UTC"
            )
        reader.scheduled_start = state.scheduled_start
        wait = self._waiting_check(reader, now)
        await self._set_state(reader, SourceState.waiting, self._waiting_reason(reader))
        return wait

    async def _poll(self, reader: Reader) -> float:
        """Read one page of the chat for every member; returns the seconds to wait before the
        next."""
        assert reader.live_chat_id is not None
        chat, api = reader.live_chat_id, self._api
        assert api is not None
        payload = await self._call(
            reader, pacing.LIST_MESSAGES_COST, api.messages(chat, reader.page_token)
        )
        if payload is None:
            return max(self._backoff(reader), reader.api_interval)
        received, answered_at = time.perf_counter(), self._clock()
        members = reader.by_event()
        # Parsed once per option value: include_moderators is the one option parsing reads.
        parsed = {
            flag: chat_page(payload, live_chat_id=chat, include_moderators=flag)
            for flag in {m.include_moderators for m in members}
        }
        pages = [(member, parsed[member.include_moderators]) for member in members]
        page = pages[0][1]  # what does not depend on the options: interval, token, end
        reader.api_interval = page.polling_interval
        reader.offline_at = page.offline_at
        self._follow_backlog(reader, behind=page.messages >= MAX_RESULTS)
        asks = await self._guarded(self._apply(reader, pages))
        if self._on_page is not None:
            self._on_page(
                PageReport(members[0].source_id, page.messages, asks, received, time.perf_counter())
            )
        if page.ended:
            log.info("YouTube video %s: the live chat ended", reader.video_id)
            raise _Stop(SourceState.ended, "the live chat ended")
        reader.rate_factor = max(1.0, reader.rate_factor / 2)
        # The interval runs from the answer, as the API means it: storing the page was part
        # of the wait, so a chat is read at the pace asked (and paid for), not a commit slower.
        stored_in = (self._clock() - answered_at).total_seconds()
        return max(0.0, self._pace(reader) - stored_in)

    def _follow_backlog(self, reader: Reader, *, behind: bool) -> None:
        """A full page means more may be waiting: the suggestions of what it brings wait until
        a page is not full (a backlog read first), as they do for Telegram's full batches."""
        if behind:
            self._behind.add(reader.video_id)
        else:
            self._behind.discard(reader.video_id)
        self.suggest_later.catching_up(bool(self._behind))

    async def _apply(self, reader: Reader, pages: list[tuple[Source, ChatPage]]) -> int:
        """Ingest a page into each member's event and save its token on each member's source,
        in one transaction. Returns the asks handed over."""
        assert reader.live_chat_id is not None
        try:
            return await self._commit_page(reader, pages)
        except _Gone:
            raise
        except Exception as exc:
            if is_outage(exc) or not await database_answers(self._sessionmaker):
                raise
        # A message on the page cannot be stored: the page goes in parts, the one at fault is
        # set aside after a retry, and the token moves on (intake/setaside.py).
        set_aside = await ingest_in_parts(
            self._sessionmaker, self._intake, pages=pages, live_chat_id=reader.live_chat_id
        )
        return await self._commit_page(reader, pages, ingested=True, set_aside=set_aside)

    async def _commit_page(
        self,
        reader: Reader,
        pages: list[tuple[Source, ChatPage]],
        *,
        ingested: bool = False,
        set_aside: Sequence[SetAside] = (),
    ) -> int:
        assert reader.live_chat_id is not None
        page = pages[0][1]
        state = SourceState.ended if page.ended else SourceState.active
        reason = "the live chat ended" if page.ended else None
        now = self._clock()
        asks = 0
        async with self._sessionmaker() as s, s.begin():
            for member, member_page in pages:
                if ingested:
                    asks += sum(isinstance(i, NewAsk) for i in member_page.intents)
                    continue
                asks += await ingest_page(
                    s,
                    intake=self._intake,
                    event_id=member.event_id,
                    live_chat_id=reader.live_chat_id,
                    page=member_page,
                    later=self.suggest_later,
                )
            await record_set_aside(s, items=set_aside, now=now)
            gone = [
                member.source_id
                for member, _ in pages
                if not await store.set_source_state(
                    s,
                    source_id=member.source_id,
                    state=state,
                    reason=reason,
                    now=now,
                    live_chat_id=reader.live_chat_id,
                    page_token=page.next_page_token,
                )
            ]
            if gone:
                raise _Gone(gone)  # rolled back: not stored into an event that dropped the video
        reader.page_token = page.next_page_token or reader.page_token
        for member, _ in pages:
            member.state, member.reason = state, reason
        reader.failures = 0
        return asks

    # -- calls ----------------------------------------------------------------------------------
    async def _call(
        self, reader: Reader, cost: int, call: Coroutine[Any, Any, dict[str, Any]]
    ) -> dict[str, Any] | None:
        """One API call, charged once: None after a passing failure; _Stop to stop the reader."""
        now = self._clock()
        try:
            if self._ledger.left(now) < cost:
                reset = self._ledger.exhausted_until or pacing.next_reset(now)
                raise _Stop(
                    SourceState.stopped,
                    quota_reason(reset, self._ledger.daily_quota),
                    retry_in=max((reset - now).total_seconds(), 1.0),
                )
            await self._guarded(self._charge(cost, now))
        except BaseException:
            call.close()  # never awaited: no call made
            raise
        reader.last_poll_at = now
        try:
            return await call
        except CallFailed as failed:
            self._failed(reader, failed)
            return None
        except TRANSIENT as exc:
            reader.failures += 1
            log.warning(
                "YouTube video %s: network error (%s); backing off",
                reader.video_id,
                type(exc).__name__,
            )
            return None

    def _failed(self, reader: Reader, failed: CallFailed) -> None:
        """Act on an error answer: return to try again later, raise _Stop to stop."""
        now = self._clock()
        judgement = judge(failed.error)
        match judgement.verdict:
            case Verdict.ended:
                raise _Stop(SourceState.ended, judgement.reason)
            case Verdict.quota:
                self._ledger.exhausted(now)
                reset = pacing.next_reset(now)
                log.warning("YouTube: daily quota exhausted; no calls until %s", reset.isoformat())
                raise _Stop(
                    SourceState.stopped,
                    quota_reason(reset, self._ledger.daily_quota),
                    retry_in=max((reset - now).total_seconds(), 1.0),
                )
            case Verdict.slow_down:
                reader.rate_factor = min(reader.rate_factor * 2, _RATE_LIMIT_FACTOR_CAP)
                log.warning(
                    "YouTube video %s: polled too fast; slowing down x%g",
                    reader.video_id,
                    reader.rate_factor,
                )
            case Verdict.restart_pages:
                log.warning(
                    "YouTube video %s: page token refused; reading from the latest page",
                    reader.video_id,
                )
                reader.page_token = None
            case Verdict.retry:
                reader.failures += 1
                log.warning(
                    "YouTube video %s: server error %s; backing off",
                    reader.video_id,
                    failed.error.status,
                )
            case Verdict.stop:
                log.error("YouTube video %s stopped: %s", reader.video_id, judgement.reason)
                raise _Stop(SourceState.stopped, judgement.reason)
