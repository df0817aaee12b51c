"""A message that cannot be stored for a reason of its own: a test trigger refuses asks whose
text holds a marker word, as a constraint or a bad value would in real life."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

MARKER = "POISON"
REASON = "refused by the test trigger"


async def refuse_marked_asks(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    async with sessionmaker() as s, s.begin():
        if s.get_bind().dialect.name == "sqlite":
            await s.execute(
                text(
                    "CREATE TRIGGER test_poison BEFORE INSERT ON asks "
                    f"WHEN instr(NEW.text, '{MARKER}') > 0 "
                    f"BEGIN SELECT RAISE(ABORT, '{REASON}'); END"
                )
            )
            return
        await s.execute(
            text(
                "CREATE OR REPLACE FUNCTION test_poison() RETURNS trigger AS $$ BEGIN "
                f"IF position('{MARKER}' in NEW.text) > 0 THEN RAISE EXCEPTION '{REASON}'; "
                "END IF; RETURN NEW; END $$ LANGUAGE plpgsql"
            )
        )
        await s.execute(
            text(
                "CREATE TRIGGER test_poison BEFORE INSERT ON asks "
                "FOR EACH ROW EXECUTE FUNCTION test_poison()"
            )
        )


async def allow_marked_asks(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    async with sessionmaker() as s, s.begin():
        await s.execute(
            text(
                "DROP TRIGGER IF EXISTS test_poison"
                + ("" if s.get_bind().dialect.name == "sqlite" else " ON asks")
            )
        )
