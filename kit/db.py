"""Engines and session makers (made at start-up, never at import), and what statements on
both databases share: lists as one parameter on PostgreSQL, statements compiled for the driver."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import ClauseElement, ColumnElement, any_, bindparam, event, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import QueryableAttribute
from sqlalchemy.sql.compiler import SQLCompiler

from kit.settings import DatabaseSettings


def make_engine(
    settings: DatabaseSettings, *, statement_timeout: bool = True, **kwargs: Any
) -> AsyncEngine:
    """An async engine with the per-dialect connection set-up liveq relies on.

    On PostgreSQL nothing waits without limit: connecting, and (unless `statement_timeout`
    is False, as for migrations) each statement, which the server cancels after
    LIVEQ_DATABASE_STATEMENT_TIMEOUT and the client gives up on a little later still (a
    frozen server answers no cancel).
    """
    url = settings.database_url
    kwargs.setdefault("pool_timeout", settings.database_pool_timeout)
    # A statement's parameters are askers' texts and names: never in an error's message (and
    # so never in a log line or traceback).
    kwargs.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        engine = create_async_engine(url, connect_args={"timeout": 30}, **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        event.listen(engine.sync_engine, "begin", _sqlite_begin)
        return engine
    server_settings: dict[str, str] = {}
    connect_args: dict[str, Any] = {"timeout": settings.database_connect_timeout}
    if settings.database_schema:
        server_settings["search_path"] = settings.database_schema
    limit = settings.database_statement_timeout
    if statement_timeout and limit:
        server_settings["statement_timeout"] = str(max(1, round(limit * 1000)))
        connect_args["command_timeout"] = limit + min(limit, 5.0)
    if server_settings:
        connect_args["server_settings"] = server_settings
    return create_async_engine(url, connect_args=connect_args, pool_pre_ping=True, **kwargs)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # busy_timeout first: switching to WAL itself needs the lock another process may hold.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
    # Let SQLAlchemy, not the driver, decide where transactions start (savepoints need it).
    dbapi_connection.isolation_level = None


def _sqlite_begin(connection: Any) -> None:
    # IMMEDIATE takes the write lock up front: two writers queue on busy_timeout instead of
    # one failing with "database is locked" when it upgrades a read lock. Read-only work
    # (see read_only()) begins deferred, so pollers never queue behind or block a writer.
    if connection.get_execution_options().get(READ_ONLY):
        connection.exec_driver_sql("BEGIN")
    else:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


READ_ONLY = "liveq_read_only"


async def read_only(session: AsyncSession) -> None:
    """Mark `session`'s transaction as read-only, before its first statement."""
    await session.connection(execution_options={READ_ONLY: True})


async def lock_until_end(session: AsyncSession, space: int, key: int) -> None:
    """Hold an exclusive lock on (`space`, `key`) until `session`'s transaction ends.

    Transactions that take the same lock run one after another, in this process or another.
    PostgreSQL: a transaction-level advisory lock (its deadlock detector sees it like any
    other lock). SQLite: a writing transaction holds the database's write lock from its first
    statement (BEGIN IMMEDIATE), so beginning it is the lock.

    Advisory locks span the whole database, schemas included: the space is mixed with the
    schema's name so that two liveq schemas in one database (test runs side by side) never
    wait on each other's locks, now that a statement waiting too long is cancelled.
    """
    connection = await session.connection()
    if connection.dialect.name == "postgresql":
        # Advisory locks are shared by the whole database: the schema goes into the space, so
        # two liveq schemas in one database (tests, benchmarks, staging) never wait on each
        # other's event 1.
        await connection.execute(_ADVISORY_LOCK, {"space": space, "key": key})


_ADVISORY_LOCK = text(
    "SELECT pg_advisory_xact_lock("
    "hashtext(current_schema() || ':' || CAST(CAST(:space AS integer) AS text)), :key)"
)


def one_of(
    column: ColumnElement[Any] | QueryableAttribute[Any], name: str, dialect: str
) -> ColumnElement[bool]:
    """`column` is one of the list bound as `name`. On PostgreSQL one array parameter
    (`= ANY`): the statement's text, and so asyncpg's prepared statement, is the same however
    long the list (an IN list of n parameters is a new statement, prepared again, for every
    new n). SQLite has no arrays: an expanding IN list there."""
    if dialect == "postgresql":
        element = column.expression if isinstance(column, QueryableAttribute) else column
        return column == any_(bindparam(name, type_=ARRAY(element.type)))
    return column.in_(bindparam(name, expanding=True))


@dataclass(frozen=True, slots=True)
class DriverStatement:
    """A statement compiled once for the driver itself (its paramstyle), with the order of its
    parameters and the conversions SQLAlchemy would apply to them (enums, timestamps…)."""

    sql: str
    keys: tuple[str, ...]
    processors: tuple[tuple[int, Callable[[Any], Any]], ...]  # by position

    def values(self, params: dict[str, Any]) -> list[Any]:
        """`params` (by name) as the driver takes them: in order, converted."""
        return self.converted([params[key] for key in self.keys])

    def converted(self, values: list[Any]) -> list[Any]:
        """`values`, in the parameters' order, converted in place where a parameter needs it."""
        for i, process in self.processors:
            values[i] = process(values[i])
        return values


def driver_statement(
    statement: ClauseElement, dialect: Dialect, *, column_keys: Sequence[str] | None = None
) -> DriverStatement:
    compiled = cast(
        SQLCompiler,
        statement.compile(
            dialect=dialect, column_keys=list(column_keys) if column_keys is not None else None
        ),
    )
    keys = tuple(compiled.positiontup or ())
    found = compiled._bind_processors  # what SQLAlchemy applies itself, per parameter
    processors = tuple(
        (i, cast(Callable[[Any], Any], found[key])) for i, key in enumerate(keys) if found.get(key)
    )
    return DriverStatement(str(compiled), keys, processors)


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """The one session factory of a process."""
    return async_sessionmaker(engine, expire_on_commit=False)
