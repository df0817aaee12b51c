"""A chat page with a message that cannot be stored: ingested in parts, the one at fault set
aside, so the chat moves on (intake/setaside.py)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from collectors.youtube.parse import Ban, ChatPage, Deletion, Intent, NewAsk
from collectors.youtube.process import ingest_page
from collectors.youtube.readers import Source
from intake.ingest import Intake
from intake.setaside import SetAside, database_answers, describe_failure, store_or_set_aside
from models import Platform


def intent_key(intent: Intent) -> str:
    """What names an intent on a page, the same whatever the options it was parsed with."""
    if isinstance(intent, NewAsk):
        return f"message {intent.ask.message_id}"
    if isinstance(intent, Deletion):
        return f"deletion of {intent.message_id}"
    if isinstance(intent, Ban):
        return f"ban of {intent.author_id}"
    return "chat end"


async def ingest_in_parts(
    sessionmaker: async_sessionmaker[AsyncSession],
    intake: Intake,
    *,
    pages: Sequence[tuple[Source, ChatPage]],
    live_chat_id: str,
) -> list[SetAside]:
    """Ingest every member's page in parts, one transaction each; returns what was set aside.
    The page token is not saved here: the caller saves it (with the set-aside records) after."""
    # Page order over every member's intents (a page parsed with moderators holds more).
    keys: dict[str, Intent] = {}
    for _, page in sorted(pages, key=lambda p: -len(p[1].intents)):
        for intent in page.intents:
            keys.setdefault(intent_key(intent), intent)
    ordered = list(keys)

    async def store(part: Sequence[str]) -> None:
        wanted = set(part)
        async with sessionmaker() as session, session.begin():
            for member, page in pages:
                share = [i for i in page.intents if intent_key(i) in wanted]
                if share:
                    await ingest_page(
                        session,
                        intake=intake,
                        event_id=member.event_id,
                        live_chat_id=live_chat_id,
                        page=dataclasses.replace(page, intents=share),
                    )

    failed = await store_or_set_aside(
        ordered, store=store, healthy=lambda: database_answers(sessionmaker)
    )
    set_aside = []
    for key, error in failed:
        intent = keys[key]
        hide = [intent.ask.text, intent.ask.author_name] if isinstance(intent, NewAsk) else []
        set_aside.append(
            SetAside(
                platform=Platform.youtube,
                source_id=live_chat_id,
                message_ref=key,
                reason=describe_failure(error, hide=hide),
            )
        )
    return set_aside
