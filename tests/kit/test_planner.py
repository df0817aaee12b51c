"""PostgreSQL's planner gets statistics as a flood fills the tables, before autovacuum would."""

from sqlalchemy import text

from intake.ingest import Intake, ingest
from kit.db import make_engine, make_sessionmaker
from tests.factories import make_ask, make_event


async def _analyzed(maker) -> bool:
    async with maker() as s:
        found = await s.scalar(
            text(
                "SELECT last_analyze IS NOT NULL FROM pg_stat_user_tables"
                " WHERE relname = 'asks' AND schemaname = current_schema()"
            )
        )
        return bool(found)


async def test_the_asks_are_analyzed_once_a_thousand_are_in(fresh_db):
    engine = make_engine(fresh_db)
    maker = make_sessionmaker(engine)
    postgres = engine.dialect.name == "postgresql"
    try:
        async with maker() as s, s.begin():
            event_id = (await make_event(s)).id
        intake = Intake(suggest=False)
        for start in range(0, 1_000, 250):
            if postgres:
                assert not await _analyzed(maker), f"analyzed after {start} asks"
            async with maker() as s, s.begin():
                asks = [
                    make_ask(text=f"Question {i}?", message_id=str(i))
                    for i in range(start, start + 250)
                ]
                await ingest(s, intake=intake, event_id=event_id, asks=asks)
        await intake.statistics.wait()
        assert intake.statistics.added == (1_000 if postgres else 0)
        if postgres:
            assert await _analyzed(maker)
    finally:
        await engine.dispose()
