"""The inbox: updates fetched from Telegram and not yet stored, so the next fetch need not wait.

getUpdates confirms a batch when the next one is asked for: Telegram then forgets it. Asking
only after a batch was stored put the whole of its ingestion between two fetches. Now a batch
is first kept here (one row: the updates as Telegram sent them, compressed, and the bot's next
offset beside it), the next fetch goes out at once, and the batch is stored by a task of its
own, several batches together when it falls behind. A process killed in between finds them
here on its next start and resumes getUpdates after them.

Where: on PostgreSQL, tables of the main database, and the transaction that stores a batch
deletes its row (each update stored exactly once). On SQLite, which has one writer, a file of
its own beside the database (`liveq.db` → `liveq.db-telegram-inbox`): keeping a batch there
never waits for a store's transaction, so fetches run ahead and stores take several batches at
once. Its rows are deleted just after the store commits; a process killed in that instant
stores those updates again on its next start (asks are not doubled, chatter counts may be), as
before the inbox, when Telegram itself re-sent what was not yet confirmed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import sqlite3
import zlib
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import bindparam, delete, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from kit.db import driver_statement, one_of
from models import TelegramInbox, TelegramOffset
from models.base import table_of

log = logging.getLogger(__name__)
T = TypeVar("T")

# Telegram keeps unconfirmed updates for 24 hours, and may restart a bot's update ids at random
# after a week without any: an offset older than a day is not resumed from.
OFFSET_KEPT = timedelta(hours=24)
# The inbox's own file beside a SQLite database.
SUFFIX = "-telegram-inbox"


@dataclass(frozen=True, slots=True)
class Kept:
    """A batch in the inbox: its row's id and its updates."""

    id: int
    updates: list[dict[str, Any]]


def encode(updates: Sequence[dict[str, Any]]) -> tuple[bytes, list[dict[str, Any]]]:
    """The updates as one JSON array, compressed, and the updates it holds. ASCII JSON: lone
    surrogates and NULs travel escaped. An update that cannot be written (nested too deep) is
    left out, as a malformed one is; the others are kept."""
    kept = list(updates)
    try:
        text = _dumps(kept)
    except (ValueError, TypeError, RecursionError):
        kept = []
        for update_ in updates:
            try:
                _dumps(update_)
            except (ValueError, TypeError, RecursionError) as exc:
                log.warning(
                    "telegram: skipping an update that cannot be kept (%s)", type(exc).__name__
                )
                continue
            kept.append(update_)
        text = _dumps(kept)
    # Level 1: a sixth of the size for a tenth of a millisecond a batch; the database then
    # writes (and frees) a few pages, not a few dozen.
    return zlib.compress(text.encode("ascii"), 1), kept


def decode(data: bytes) -> list[dict[str, Any]]:
    updates = json.loads(zlib.decompress(data))
    return [u for u in updates if isinstance(u, dict)] if isinstance(updates, list) else []


def _dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=True, separators=(",", ":"))


async def open_inbox(main: AsyncEngine) -> Inbox:
    """The inbox for the database of the engine `main`."""
    if main.dialect.name != "sqlite":
        return DatabaseInbox(main)
    path = main.url.database
    return await FileInbox.open(f"{path}{SUFFIX}" if path and path != ":memory:" else ":memory:")


Offset = tuple[int, datetime]  # a bot's next offset, and when it was kept


class Inbox(ABC):
    """The inbox of one process's Telegram collector (see the module's docstring for where):
    what a batch is kept as, and when an offset is resumed from, here; where, in each kind."""

    shares_transactions = False  # whether a store's transaction can delete its batches

    async def keep(
        self,
        *,
        bot_id: int,
        updates: Sequence[dict[str, Any]],
        next_offset: int | None,
        now: datetime,
    ) -> Kept:
        """Keep a fetched batch and move the bot's offset past it (to `next_offset`, unless the
        batch had no update id)."""
        data, kept = encode(updates)
        return Kept(await self._write(bot_id, data, next_offset, now), kept)

    async def left(self, *, bot_id: int, now: datetime) -> tuple[int | None, list[Kept]]:
        """Where getUpdates resumes (None: from what Telegram still holds), and the batches
        kept and never stored, oldest first."""
        found, rows = await self._read(bot_id)
        offset = found[0] if found is not None and now - found[1] <= OFFSET_KEPT else None
        return offset, _decoded(rows)

    async def forget_in(self, session: AsyncSession, ids: Sequence[int]) -> bool:
        """Delete stored batches in the transaction that stored them, where the inbox shares
        the database; False where it does not (then forget() them once it committed)."""
        return False

    async def forget(self, ids: Sequence[int]) -> None:
        """Delete stored batches in a transaction of their own."""
        if ids:
            await self._delete(list(ids))

    @abstractmethod
    async def close(self) -> None: ...

    @abstractmethod
    async def _write(self, bot_id: int, data: bytes, next_offset: int | None, at: datetime) -> int:
        """Insert a batch (and upsert the bot's offset) in one transaction; the row's id."""

    @abstractmethod
    async def _read(self, bot_id: int) -> tuple[Offset | None, list[tuple[int, bytes]]]:
        """The bot's offset, and its batches' (id, data), oldest first."""

    @abstractmethod
    async def _delete(self, ids: list[int]) -> None: ...


class DatabaseInbox(Inbox):
    """PostgreSQL: tables of the main database (migration 0012)."""

    shares_transactions = True

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        inbox, offsets = table_of(TelegramInbox), table_of(TelegramOffset)
        # Built once: a batch's statements cost more to build than to run.
        upsert = pg_insert(offsets).values(
            bot_id=bindparam("bot"), next_offset=bindparam("offset"), updated_at=bindparam("at")
        )
        move = upsert.on_conflict_do_update(
            index_elements=[offsets.c.bot_id],
            set_={
                "next_offset": upsert.excluded.next_offset,
                "updated_at": upsert.excluded.updated_at,
            },
        )
        self._offset = select(offsets.c.next_offset, offsets.c.updated_at).where(
            offsets.c.bot_id == bindparam("bot")
        )
        self._waiting = (
            select(inbox.c.id, inbox.c.updates)
            .where(inbox.c.bot_id == bindparam("bot"))
            .order_by(inbox.c.id)
        )
        self._remove = delete(inbox).where(one_of(inbox.c.id, "ids", engine.dialect.name))
        # Keeping a batch and moving the offset: one statement, one round trip, atomic without
        # a transaction around it, on a connection of the inbox's own, straight to the driver.
        # Under a flood every round trip waits behind the store's work for the event loop:
        # checking a connection out of the pool (its ping) and back cost two more, and a keep
        # took 7.5–10 ms in the median instead of 2.5–4.
        kept = (
            insert(inbox)
            .values(bot_id=bindparam("bot"), received_at=bindparam("at"), updates=bindparam("data"))
            .returning(inbox.c.id)
            .cte("kept")
        )
        self._keeps = {
            moving: driver_statement(
                select(kept.c.id).add_cte(move.cte("moved")) if moving else select(kept.c.id),
                engine.dialect,
            )
            for moving in (True, False)
        }
        self._own: Any = None  # the driver's (asyncpg's) connection, made on the first keep
        self._own_lock = asyncio.Lock()

    async def _write(self, bot_id: int, data: bytes, next_offset: int | None, at: datetime) -> int:
        statement = self._keeps[next_offset is not None]
        values = statement.values({"bot": bot_id, "at": at, "data": data, "offset": next_offset})
        async with self._own_lock:
            if self._own is not None and self._own.is_closed():
                self._own = None  # the server closed it meanwhile (restarted…): noticed idle
            if self._own is None:
                # One of the engine's connections (its settings: schema, statement timeout),
                # taken out of its pool for good.
                pooled = await self.engine.raw_connection()
                self._own = pooled.driver_connection
                pooled.detach()
            try:
                row_id = await self._own.fetchval(statement.sql, *values)
            except BaseException:
                # Failed or interrupted: in no state to trust. The next keep makes another.
                own, self._own = self._own, None
                own.terminate()
                raise
        assert row_id is not None
        return int(row_id)

    async def _read(self, bot_id: int) -> tuple[Offset | None, list[tuple[int, bytes]]]:
        async with self.engine.connect() as connection:
            found = (await connection.execute(self._offset, {"bot": bot_id})).first()
            rows = (await connection.execute(self._waiting, {"bot": bot_id})).all()
        offset = (int(found.next_offset), found.updated_at) if found is not None else None
        return offset, [(row_id, data) for row_id, data in rows]

    async def forget_in(self, session: AsyncSession, ids: Sequence[int]) -> bool:
        await session.execute(self._remove, {"ids": list(ids)})
        return True

    async def _delete(self, ids: list[int]) -> None:
        async with self.engine.begin() as connection:
            await connection.execute(self._remove, {"ids": ids})

    async def close(self) -> None:
        """Its own connection closed (the engine is the process's)."""
        async with self._own_lock:
            own, self._own = self._own, None
        if own is not None:
            try:
                await own.close(timeout=2)
            except Exception:  # a server gone or hung: the socket is closed all the same
                own.terminate()


class FileInbox(Inbox):
    """SQLite: a file of its own, written through the standard library's sqlite3 in one
    thread of its own, each operation one hop from the event loop (aiosqlite and SQLAlchemy
    cost about a millisecond of CPU a transaction here, ten times the writing itself)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._thread = ThreadPoolExecutor(1, "liveq-telegram-inbox")
        self._db: sqlite3.Connection | None = None

    @classmethod
    async def open(cls, path: str) -> FileInbox:
        inbox = cls(path)
        await inbox._run(inbox._connect)
        return inbox

    async def _run(self, work: Callable[[], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._thread, work)

    def _connect(self) -> None:
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.executescript(_FILE_SCHEMA)
        self._db = db

    def _connection(self) -> sqlite3.Connection:
        assert self._db is not None, "FileInbox.open() first"
        return self._db

    async def _write(self, bot_id: int, data: bytes, next_offset: int | None, at: datetime) -> int:
        stamp = at.astimezone(UTC).isoformat()

        def write() -> int:
            db = self._connection()
            with _transaction(db):
                row = db.execute(
                    "INSERT INTO telegram_inbox (bot_id, received_at, updates) VALUES (?, ?, ?)",
                    (bot_id, stamp, data),
                )
                if next_offset is not None:
                    db.execute(
                        "INSERT INTO telegram_offsets (bot_id, next_offset, updated_at) "
                        "VALUES (?, ?, ?) ON CONFLICT (bot_id) DO UPDATE SET "
                        "next_offset = excluded.next_offset, updated_at = excluded.updated_at",
                        (bot_id, next_offset, stamp),
                    )
            assert row.lastrowid is not None
            return row.lastrowid

        return await self._run(write)

    async def _read(self, bot_id: int) -> tuple[Offset | None, list[tuple[int, bytes]]]:
        def read() -> tuple[Offset | None, list[tuple[int, bytes]]]:
            db = self._connection()
            found = db.execute(
                "SELECT next_offset, updated_at FROM telegram_offsets WHERE bot_id = ?",
                (bot_id,),
            ).fetchone()
            rows = db.execute(
                "SELECT id, updates FROM telegram_inbox WHERE bot_id = ? ORDER BY id", (bot_id,)
            ).fetchall()
            offset = (int(found[0]), datetime.fromisoformat(found[1])) if found else None
            return offset, rows

        return await self._run(read)

    async def _delete(self, ids: list[int]) -> None:
        marks = ",".join("?" * len(ids))

        def write() -> None:
            db = self._connection()
            with _transaction(db):
                db.execute(f"DELETE FROM telegram_inbox WHERE id IN ({marks})", ids)  # noqa: S608

        await self._run(write)

    async def close(self) -> None:
        def shut() -> None:
            if self._db is not None:
                self._db.close()
                self._db = None

        await self._run(shut)
        self._thread.shutdown(wait=False)


# ON CONFLICT … DO UPDATE needs SQLite 3.24 (2018), which every supported Python bundles.
_FILE_SCHEMA = """
CREATE TABLE IF NOT EXISTS telegram_inbox (
    id INTEGER PRIMARY KEY,
    bot_id INTEGER NOT NULL,
    received_at TEXT NOT NULL,
    updates BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS telegram_offsets (
    bot_id INTEGER PRIMARY KEY,
    next_offset INTEGER NOT NULL,
    updated_at TEXT NOT NULL
);
"""


@contextlib.contextmanager
def _transaction(db: sqlite3.Connection) -> Iterator[None]:
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def _decoded(rows: Sequence[tuple[int, bytes]]) -> list[Kept]:
    left = []
    for row_id, data in rows:
        try:
            left.append(Kept(row_id, decode(data)))
        except (ValueError, zlib.error):  # cannot happen short of a damaged database
            log.error("telegram: inbox row %d cannot be read; dropping it", row_id)
            left.append(Kept(row_id, []))
    return left
