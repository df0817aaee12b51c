"""Connection set-up: advisory locks are per schema; PostgreSQL statements have a limit."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from kit.db import lock_until_end, make_engine, make_sessionmaker


@pytest.fixture
def two_schemas(databases):
    if databases.backend != "postgres":
        pytest.skip("advisory locks: PostgreSQL only (needs LIVEQ_TEST_POSTGRES_URL)")
    return databases.new(), databases.new()


async def test_locks_in_two_schemas_never_wait_on_each_other(two_schemas):
    engines = [make_engine(db) for db in two_schemas]
    here, there = (make_sessionmaker(e) for e in engines)
    try:
        async with here() as holder, holder.begin():
            await lock_until_end(holder, 7, 1)
            async with there() as other, other.begin():
                await other.execute(text("SET LOCAL lock_timeout = '200ms'"))
                await lock_until_end(other, 7, 1)  # another schema: at once
            async with here() as same, same.begin():
                await same.execute(text("SET LOCAL lock_timeout = '200ms'"))
                with pytest.raises(DBAPIError, match="lock timeout"):
                    await lock_until_end(same, 7, 1)  # the same schema: it waits
    finally:
        for engine in engines:
            await engine.dispose()


async def test_a_statement_past_its_limit_is_cancelled(two_schemas):
    db = two_schemas[0].model_copy(update={"database_statement_timeout": 0.2})
    engine = make_engine(db)
    try:
        async with make_sessionmaker(engine)() as s:
            with pytest.raises(DBAPIError, match="statement timeout"):
                await s.execute(text("SELECT pg_sleep(5)"))
    finally:
        await engine.dispose()


async def test_an_error_never_carries_a_statements_parameters(fresh_db):
    # Parameters are askers' texts and names: a failed statement's message (what a log line
    # or a traceback would show) names the statement, never them.
    engine = make_engine(fresh_db)
    try:
        async with engine.connect() as connection:
            with pytest.raises(DBAPIError) as failed:
                await connection.execute(
                    text("SELECT CAST(:v AS INTEGER) / 0 FROM no_such_table"),
                    {"v": "Ada Lovelace asks: when?"},
                )
        assert "Ada Lovelace" not in str(failed.value)
        assert "no_such_table" in str(failed.value)
    finally:
        await engine.dispose()


@pytest.mark.parametrize("kind", ["integers", "texts"])
async def test_one_of_is_one_statement_whatever_the_lists_length(session, kind):
    # On PostgreSQL a list is one array parameter: the statement (and asyncpg's prepared
    # statement for it) is the same for 0, 1 or 700 values; on SQLite an IN list. The rows
    # are the same either way.
    from sqlalchemy import Integer, String, column, event, select, table

    from kit.db import one_of

    sql_type, make = (Integer, int) if kind == "integers" else (String, str)
    await session.execute(text("CREATE TEMP TABLE one_of_probe (v VARCHAR(20), n INTEGER)"))
    await session.execute(
        text("INSERT INTO one_of_probe (v, n) VALUES (:v, :n)"),
        [{"v": str(i), "n": i} for i in range(1000)],
    )
    probe = table("one_of_probe", column("n" if kind == "integers" else "v", sql_type))
    dialect = session.get_bind().dialect.name
    query = select(*probe.c).where(one_of(probe.c[0], "wanted", dialect))
    statements: set[str] = set()
    connection = await session.connection()

    def saw(_conn, _cursor, statement, *_):
        statements.add(statement)

    event.listen(connection.sync_connection, "before_cursor_execute", saw)
    try:
        for wanted in ([], [5], [3, 1, 2000], list(range(0, 1400, 2))):
            found = (await session.execute(query, {"wanted": [make(w) for w in wanted]})).all()
            assert sorted(int(v) for (v,) in found) == sorted(w for w in wanted if w < 1000)
    finally:
        event.remove(connection.sync_connection, "before_cursor_execute", saw)
    if dialect == "postgresql":
        assert len(statements) == 1, statements
    else:
        assert len(statements) >= 3  # an expanding IN list: one text per length
