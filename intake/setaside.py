"""Poison messages: a message that cannot be stored after a retry is set aside, so its source
moves on and nothing after it is ever blocked.

A batch that fails is split in two and each half stored on its own (in order), down to the one
message that fails; that one is tried once more, then set aside with its reason: recorded in
`set_aside_messages` (shown on the event's sources page) and logged, never with its text.
When the database itself is failing (down, locked, unreachable), nothing is set aside: the
error goes to the caller, which retries the whole batch later, as before.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from sqlalchemy import func, insert, select
from sqlalchemy import text as sql_text
from sqlalchemy.exc import (
    DBAPIError,
    DisconnectionError,
    InterfaceError,
    OperationalError,
)
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kit.db import read_only
from models import Platform, SetAsideMessage

log = logging.getLogger("intake.setaside")

T = TypeVar("T")

# How many recent reasons a source's summary carries.
RECENT = 5
_REASON_LENGTH = 200


@dataclass(frozen=True, slots=True)
class SetAside:
    """A message set aside: where it came from and why, without its text."""

    platform: Platform
    source_id: str
    message_ref: str
    reason: str


@dataclass(frozen=True, slots=True)
class SetAsideSummary:
    count: int
    recent: list[dict[str, str]]  # newest first: {"at", "message", "reason"}


class DatabaseTrouble(Exception):
    """Not the message's fault: the database is unreachable or failing as a whole."""


def is_outage(exc: BaseException) -> bool:
    """Errors that say the database (not the data) is in trouble: never a reason to set aside."""
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    return isinstance(
        exc,
        OperationalError  # SQLite "database is locked", a server gone away
        | InterfaceError
        | DisconnectionError
        | PoolTimeout
        | OSError
        | TimeoutError
        | DatabaseTrouble,
    )


async def database_answers(
    sessionmaker: async_sessionmaker[AsyncSession], *, within: float = 5.0
) -> bool:
    """True when the database answers a trivial read: a failure was then the data's fault."""
    try:
        async with asyncio.timeout(within), sessionmaker() as session:
            await read_only(session)  # SQLite: no write lock to queue for
            await session.execute(sql_text("SELECT 1"))
            await session.rollback()
        return True
    except Exception:
        return False


async def store_or_set_aside(
    items: Sequence[T],
    *,
    store: Callable[[Sequence[T]], Awaitable[None]],
    healthy: Callable[[], Awaitable[bool]],
    fatal: tuple[type[Exception], ...] = (),
) -> list[tuple[T, Exception]]:
    """Store `items` in order with `store` (one transaction per call); returns the items set
    aside with their error. Raises the error when the database itself is in trouble, and
    `fatal` errors (no single message's fault) as they come."""
    set_aside: list[tuple[T, Exception]] = []

    async def attempt(part: Sequence[T]) -> Exception | None:
        try:
            await store(part)
        except Exception as exc:
            if isinstance(exc, fatal) or is_outage(exc) or not await healthy():
                raise
            return exc
        return None

    async def run(part: Sequence[T]) -> None:
        error = await attempt(part)
        if error is None:
            return
        if len(part) == 1:
            # A second chance: a conflict with a concurrent writer passes; a poison does not.
            error = await attempt(part)
            if error is not None:
                set_aside.append((part[0], error))
            return
        middle = len(part) // 2
        await run(part[:middle])
        await run(part[middle:])

    if items:
        await run(items)
    return set_aside


def describe_failure(exc: BaseException, *, hide: Iterable[str | None] = ()) -> str:
    """Why a message could not be stored, in one short line, without the message's text.

    Database errors give their class and first line (PostgreSQL's values are in the DETAIL,
    which is left out); anything else only its class. Any of `hide` (the message's own text
    and names) found in it is blanked all the same.
    """
    if isinstance(exc, DBAPIError):
        orig: BaseException = exc.orig if isinstance(exc.orig, BaseException) else exc
        inner = orig.__cause__ or orig  # the driver's own exception under the adapter's
        lines = str(inner).strip().splitlines()
        first = lines[0] if lines else ""
        if first.startswith("<class "):
            first = first.split(">: ", 1)[-1]
        reason = f"{type(inner).__name__}: {first}" if first else type(inner).__name__
    else:
        reason = f"internal error: {type(exc).__name__}"
    for secret in hide:
        if secret and len(secret) >= 3:
            reason = reason.replace(secret, "[text]")
    if len(reason) > _REASON_LENGTH:
        reason = reason[: _REASON_LENGTH - 1] + "…"
    return reason


async def record_set_aside(
    session: AsyncSession, *, items: Sequence[SetAside], now: datetime
) -> None:
    """Keep the set-aside messages (the caller commits) and say so in the log."""
    if not items:
        return
    await session.execute(
        insert(SetAsideMessage),
        [
            {
                "platform": item.platform,
                "source_id": item.source_id[:200],
                "message_ref": item.message_ref[:200],
                "reason": item.reason[:300],
                "at": now,
            }
            for item in items
        ],
    )
    for item in items:
        log.warning(
            "%s source %s: %s set aside, it could not be stored: %s",
            item.platform.value,
            item.source_id,
            item.message_ref,
            item.reason,
        )


async def set_aside_summaries(
    session: AsyncSession,
    *,
    sources: Sequence[tuple[Platform, str]],
    since: datetime | None = None,
) -> dict[tuple[Platform, str], SetAsideSummary]:
    """For each (platform, source id): how many messages were set aside, and the latest
    reasons."""
    found: dict[tuple[Platform, str], SetAsideSummary] = {}
    for platform, source_id in dict.fromkeys(sources):
        where = [SetAsideMessage.platform == platform, SetAsideMessage.source_id == source_id]
        if since is not None:
            where.append(SetAsideMessage.at >= since)
        count = await session.scalar(
            select(func.count()).select_from(SetAsideMessage).where(*where)
        )
        if not count:
            continue
        rows = await session.execute(
            select(SetAsideMessage.at, SetAsideMessage.message_ref, SetAsideMessage.reason)
            .where(*where)
            .order_by(SetAsideMessage.at.desc(), SetAsideMessage.id.desc())
            .limit(RECENT)
        )
        found[(platform, source_id)] = SetAsideSummary(
            int(count),
            [{"at": at.isoformat(), "message": ref, "reason": reason} for at, ref, reason in rows],
        )
    return found
