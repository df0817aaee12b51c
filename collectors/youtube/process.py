"""One page of a live chat → one event's queue, inside the caller's transaction.

The collector calls `ingest_page` once per event that lists the video, then saves the page token
in the same transaction, so a crash in between loses nothing (ingestion is idempotent).
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from collectors.youtube.parse import Ban, ChatPage, Deletion, NewAsk
from intake.asks import IncomingAsk
from intake.ingest import Intake, ingest
from intake.source_changes import hide_author, remove_ask
from intake.suggest_later import SuggestLater
from models import Platform


async def ingest_page(
    session: AsyncSession,
    *,
    intake: Intake,
    event_id: int,
    live_chat_id: str,
    page: ChatPage,
    later: SuggestLater | None = None,
) -> int:
    """One event's share of a page, in page order. Returns the asks handed over. `later`
    finds the new questions' suggestions after the commit (intake/suggest_later.py)."""
    asks = 0
    batch: list[IncomingAsk] = []

    async def flush() -> None:
        if batch:
            await ingest(session, intake=intake, event_id=event_id, asks=batch, later=later)
            batch.clear()

    for intent in page.intents:
        if isinstance(intent, NewAsk):
            batch.append(intent.ask)
            asks += 1
            continue
        await flush()  # in page order: a deletion may name a message just above it
        if isinstance(intent, Deletion):
            await remove_ask(
                session,
                intake=intake,
                event_ids=[event_id],
                platform=Platform.youtube,
                source_id=live_chat_id,
                message_id=intent.message_id,
            )
        elif isinstance(intent, Ban):
            await hide_author(
                session,
                intake=intake,
                event_id=event_id,
                platform=Platform.youtube,
                author_id=intent.author_id,
            )
    await flush()
    return asks
