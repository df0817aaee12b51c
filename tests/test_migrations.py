"""The migrations build exactly the schema the models describe, and go down and up again."""

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from kit.db import make_engine
from kit.migrate import alembic_config, compared, head_revision
from models import Base

# SQLite cannot reflect the expression index (compared by its query plan instead).
pytestmark = [
    pytest.mark.filterwarnings("ignore:Skipped unsupported reflection:Warning"),
    pytest.mark.filterwarnings(
        "ignore:autogenerate skipping metadata-specified expression:UserWarning"
    ),
]


async def _diff(settings):
    engine = make_engine(settings)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(
                lambda sync: compare_metadata(
                    MigrationContext.configure(
                        sync, opts={"compare_type": True, "include_object": compared}
                    ),
                    Base.metadata,
                )
            )
    finally:
        await engine.dispose()


async def _revision(settings):
    engine = make_engine(settings)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(
                lambda sync: MigrationContext.configure(sync).get_current_revision()
            )
    finally:
        await engine.dispose()


async def test_models_match_migrations(fresh_db):
    assert await _revision(fresh_db) == head_revision(fresh_db)
    assert await _diff(fresh_db) == []


async def test_downgrade_to_base_and_back(fresh_db):
    import asyncio

    config = alembic_config(fresh_db)
    await asyncio.to_thread(command.downgrade, config, "base")
    assert await _revision(fresh_db) is None
    await asyncio.to_thread(command.upgrade, config, "head")
    assert await _revision(fresh_db) == head_revision(fresh_db)


async def _tables(settings):
    from sqlalchemy import inspect

    engine = make_engine(settings)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(
                lambda sync: {
                    name: {ix["name"] for ix in inspect(sync).get_indexes(name)}
                    for name in inspect(sync).get_table_names()
                }
            )
    finally:
        await engine.dispose()


async def test_web_sessions_go_down_to_0001_and_back(fresh_db):
    import asyncio

    config = alembic_config(fresh_db)
    assert (await _tables(fresh_db))["web_sessions"] == {"ix_web_sessions_expires_at"}
    await asyncio.to_thread(command.downgrade, config, "0001")
    assert await _revision(fresh_db) == "0001"
    tables = await _tables(fresh_db)
    assert "web_sessions" not in tables and "api_tokens" in tables
    await asyncio.to_thread(command.upgrade, config, "head")
    assert (await _tables(fresh_db))["web_sessions"] == {"ix_web_sessions_expires_at"}
    assert await _diff(fresh_db) == []
