"""Schema migrations, driven from code: `liveq migrate`, `liveq serve` and the tests share this."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.ext.asyncio import AsyncConnection

from kit.settings import DatabaseSettings

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
# Indexes on expressions: autogenerate cannot compare them (SQLite does not reflect them,
# PostgreSQL reflects its own spelling), so comparisons leave them out; a test reads the query
# plans instead (tests/app/test_queue_order_index.py).
EXPRESSION_INDEXES = frozenset({"ix_questions_queue_order"})


def compared(obj: object, name: str | None, type_: str, reflected: bool, other: object) -> bool:
    """Alembic's include_object: everything but the expression indexes."""
    return not (type_ == "index" and name in EXPRESSION_INDEXES)


def alembic_config(settings: DatabaseSettings) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("file_template", "%%(year)d_%%(month).2d_%%(day).2d_%%(rev)s_%%(slug)s")
    config.attributes["settings"] = settings
    return config


def upgrade_to_head(settings: DatabaseSettings) -> None:
    """Apply every pending migration (blocking; run it before serving or in a thread)."""
    command.upgrade(alembic_config(settings), "head")


async def upgrade_async(settings: DatabaseSettings) -> None:
    await asyncio.to_thread(upgrade_to_head, settings)


def head_revision(settings: DatabaseSettings) -> str | None:
    return ScriptDirectory.from_config(alembic_config(settings)).get_current_head()


async def current_revision(conn: AsyncConnection) -> str | None:
    return await conn.run_sync(lambda sync: MigrationContext.configure(sync).get_current_revision())
