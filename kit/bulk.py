"""Many rows into one table as the driver's executemany, in the session's transaction.

SQLAlchemy's executemany of a compiled INSERT spends more CPU on each row's parameters than the
driver and the database spend storing it (about 18 µs against 8 µs a row of asks on
PostgreSQL): a flood's three bulk inserts (asks, new questions, audit entries) were a seventh of
its CPU. Here the statement is compiled once per table, column list and dialect, each value goes
through the bind processors SQLAlchemy would apply itself (enums, timestamps, JSON), and the
rows go on the session's connection, in its transaction: on SQLite as driver-level SQL
(`exec_driver_sql`, one executemany), on PostgreSQL as one binary COPY. Errors are SQLAlchemy's
own either way, so an outage still tells itself from a refused row.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache
from operator import itemgetter
from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from kit.db import DriverStatement, driver_statement


async def insert_rows(session: AsyncSession, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """INSERT `rows` (dicts with the same keys, the columns' keys) into `table`."""
    if not rows:
        return
    connection = await session.connection()
    compiled, take = _compiled(table, tuple(rows[0]), connection.dialect)
    values: list[tuple[Any, ...]]
    if not compiled.processors:
        values = [take(row) for row in rows]
    else:
        # The row's values in one C call, then only the columns that need it converted.
        values = [tuple(compiled.converted(list(take(row)))) for row in rows]
    if connection.dialect.name == "postgresql":
        await _copy(connection, table, compiled.keys, values, compiled.sql)
    else:
        await connection.exec_driver_sql(compiled.sql, values)


async def _copy(
    connection: AsyncConnection,
    table: Table,
    keys: tuple[str, ...],
    values: list[tuple[Any, ...]],
    sql: str,
) -> None:
    """PostgreSQL: the rows as one COPY (asyncpg's binary copy_records_to_table, in the
    transaction): no statement per row, so about half the time of an executemany. A failure is
    raised as SQLAlchemy would raise the same error from a statement."""
    raw = await connection.get_raw_connection()
    driver: Any = raw.driver_connection
    try:
        await driver.copy_records_to_table(table.name, records=values, columns=list(keys))
    except Exception as error:
        dialect = connection.dialect
        try:
            raw.dbapi_connection._handle_exception(error)  # type: ignore[union-attr]
        except Exception as translated:
            raise DBAPIError.instance(
                f"COPY {table.name} ({', '.join(keys)}) FROM STDIN",
                None,
                translated,
                dialect.loaded_dbapi.Error,
                hide_parameters=True,
                dialect=dialect,
            ) from error
        raise


@cache
def _compiled(
    table: Table, columns: tuple[str, ...], dialect: Dialect
) -> tuple[DriverStatement, Callable[[dict[str, Any]], tuple[Any, ...]]]:
    """The INSERT for the driver (its text, parameters' order and processors), and a row's
    values in that order."""
    compiled = driver_statement(insert(table), dialect, column_keys=columns)
    take = itemgetter(*compiled.keys)
    if len(compiled.keys) == 1:  # itemgetter of one key gives the value, not a tuple of it
        return compiled, lambda row: (take(row),)
    return compiled, take
