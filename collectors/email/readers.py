"""The email collector's state: a reader per mailbox, the events it feeds, a batch's plan,
and the small pure helpers the reading loop uses."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from collectors.email.api import Fetched
from collectors.email.mailbox import Mailbox
from collectors.email.parse import Mail, read_mail
from intake.asks import IncomingAsk
from models import SourceState

_HOUR = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class BatchReport:
    """One committed batch, for tests and benchmarks."""

    mailbox: str
    uids: tuple[int, ...]
    asks: int


@dataclass
class Member:
    """One event's source reading a mailbox."""

    source_id: int
    event_id: int
    tag: str | None
    move_to: str | None
    state: SourceState = SourceState.waiting
    reason: str | None = None


@dataclass
class Reader:
    """What the collector knows of one mailbox between passes."""

    mailbox: Mailbox
    members: dict[int, Member] = field(default_factory=dict)
    uidvalidity: int | None = None
    last_uid: int | None = None
    last_read_at: datetime | None = None
    messages_taken: int = 0  # since start
    errors: int = 0  # since start
    skipped_over_limit: int = 0
    reason: str | None = None
    login_refused: bool = False
    mark_failed: bool = False  # logged once a pass
    senders: dict[str, deque[datetime]] = field(default_factory=dict)


@dataclass
class _Plan:
    """A batch worked out before it is stored: each member's asks and what to log."""

    uids: list[int]
    asks: dict[int, list[IncomingAsk]] = field(default_factory=dict)  # by source id
    taken: dict[int, int] = field(default_factory=dict)  # messages, by source id
    errors: dict[int, int] = field(default_factory=dict)
    take_uids: list[int] = field(default_factory=list)  # to flag or move
    move_to: str | None = None
    over_limit: dict[str, int] = field(default_factory=dict)  # by sender tag


def read_all(fetched: list[Fetched], uidvalidity: int) -> list[Mail]:
    mails = []
    for item in fetched:
        fallback = f"uid:{uidvalidity}:{item.uid}"
        try:
            mails.append(read_mail(item.raw, fallback_key=fallback))
        except Exception as exc:  # read_mail never raises by design; this is the last guard
            mails.append(
                Mail(fallback, None, None, "", None, (), (f"unreadable ({error_name(exc)})",))
            )
    return mails


def prune(times: deque[datetime], now: datetime) -> None:
    while times and times[0] <= now - _HOUR:
        times.popleft()


def error_name(exc: BaseException) -> str:
    return type(exc).__name__
