"""Alembic environment: async engines, SQLite and PostgreSQL alike."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from kit.db import make_engine
from kit.migrate import compared
from kit.settings import DatabaseSettings
from models import Base

config = context.config
target_metadata = Base.metadata


def _settings() -> DatabaseSettings:
    given = config.attributes.get("settings")
    return given if isinstance(given, DatabaseSettings) else DatabaseSettings()


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_object=compared,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_online() -> None:
    # A migration may rewrite a large table: no statement limit.
    engine = make_engine(_settings(), statement_timeout=False)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(_configure)
    finally:
        await engine.dispose()


if context.is_offline_mode():
    context.configure(
        url=_settings().database_url, target_metadata=target_metadata, literal_binds=True
    )
    with context.begin_transaction():
        context.run_migrations()
elif config.attributes.get("connection") is not None:
    _configure(config.attributes["connection"])
else:
    asyncio.run(_run_online())
