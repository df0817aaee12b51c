"""The public submission page's rules: open or closed, the form's token, the rate limit."""

from __future__ import annotations

import hmac
import re
import secrets
from collections import OrderedDict, deque
from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.ext.asyncio import AsyncSession

from app.ask.repository import AskPage, count_submission
from intake.asks import IncomingAsk, Outcome
from intake.ingest import Intake, ingest
from models import MAX_TEXT, Platform

MAX_NAME = 80
# Controls (but tab and newline), and bidi overrides that would turn the queue's text around.
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# A plain form holding the longest question, its name and the tokens, with room to spare.
MAX_BODY = 4 * MAX_TEXT + 2048


class AskSettings(BaseSettings):
    """Limits of the public page, from LIVEQ_ASK_* variables."""

    model_config = SettingsConfigDict(env_prefix="LIVEQ_ASK_", extra="ignore")

    # Questions taken from one address per window; the next ones are refused until it passes.
    rate_count: int = Field(default=5, gt=0)
    rate_window_seconds: float = Field(default=600.0, gt=0)
    # How long a form stays valid after the page was loaded.
    form_seconds: int = Field(default=4 * 3600, gt=60)


def is_open(page: AskPage, now: datetime) -> bool:
    return not page.ended and (page.closes_at is None or now < page.closes_at)


def new_form_token() -> str:
    """A fresh token for one rendering of the form: in its cookie and in a hidden field."""
    return secrets.token_urlsafe(24)


def same_token(cookie: str | None, field: str | None) -> bool:
    """Double-submit check: a cross-site page can send the field but never read or set the
    cookie (SameSite=Strict, HttpOnly, on this path only)."""
    return bool(cookie and field) and hmac.compare_digest(str(cookie), str(field))


class Problem(ValueError):
    """A submission that cannot be taken, with a sentence for the person who sent it."""


def clean_submission(question: str, name: str) -> tuple[str, str | None]:
    """The question and the optional name, trimmed; Problem if they cannot be taken."""
    question = _CONTROLS.sub("", question).replace("\r\n", "\n").strip()
    name = " ".join(_CONTROLS.sub("", name).split())
    if not question:
        raise Problem("Please write your question first.")
    if len(question) > MAX_TEXT:
        raise Problem(f"Your question is longer than {MAX_TEXT} characters: please shorten it.")
    if len(name) > MAX_NAME:
        raise Problem(f"Your name is longer than {MAX_NAME} characters.")
    return question, name or None


@dataclass
class RateLimiter:
    """At most `count` submissions per address per `window`; memory bounded by `max_addresses`."""

    count: int
    window: timedelta
    max_addresses: int = 100_000

    def __post_init__(self) -> None:
        self._seen: OrderedDict[str, deque[datetime]] = OrderedDict()

    def retry_after(self, address: str, now: datetime) -> float | None:
        """None when `address` may submit now (and counts it), else seconds to wait."""
        times = self._seen.get(address)
        if times is None:
            times = self._seen[address] = deque()
            while len(self._seen) > self.max_addresses:
                self._seen.popitem(last=False)
        self._seen.move_to_end(address)
        while times and times[0] <= now - self.window:
            times.popleft()
        if len(times) >= self.count:
            return max((times[0] + self.window - now).total_seconds(), 1.0)
        times.append(now)
        return None


async def submit(
    session: AsyncSession,
    *,
    intake: Intake,
    page: AskPage,
    token: str,
    question: str,
    name: str | None,
    now: datetime,
) -> Outcome:
    """Hand one question to the queue; the form's token makes a resent form a no-op."""
    ask = IncomingAsk(
        platform=Platform.web,
        source_id="web",
        message_id=token,
        text=question,
        asked_at=now,
        author_name=name,
        source_label="web",
        force_question=True,  # typed into a box labelled "your question"
    )
    [result] = await ingest(session, intake=intake, event_id=page.event_id, asks=[ask])
    fresh = result.outcome in (Outcome.created, Outcome.merged)
    await count_submission(
        session,
        source_id=page.source_id,
        now=now,
        taken=1 if fresh else 0,
        errors=1 if result.outcome is Outcome.rejected else 0,
    )
    return result.outcome
