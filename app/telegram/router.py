"""POST /telegram/webhook (updates pushed by Telegram) and GET /api/v1/telegram/chats."""

from __future__ import annotations

import hmac
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, Request, status
from pydantic import BaseModel, ConfigDict

from app.deps import RequireHost, SessionDep
from collectors.telegram.run import TelegramCollector
from collectors.telegram.store import list_chats

webhook_router = APIRouter(tags=["telegram"])
router = APIRouter(prefix="/api/v1/telegram", tags=["telegram"])


def get_telegram(request: Request) -> TelegramCollector | None:
    """The collector `create_app` started as app.state.collectors["telegram"], if configured."""
    collector = getattr(request.app.state, "collectors", {}).get("telegram")
    return collector if isinstance(collector, TelegramCollector) else None


TelegramDep = Annotated[TelegramCollector | None, Depends(get_telegram)]


class TelegramChatOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    title: str | None
    type: str
    is_forum: bool
    last_seen_at: datetime


@webhook_router.post("/telegram/webhook", include_in_schema=False)
async def telegram_webhook(
    request: Request,
    collector: TelegramDep,
    secret: Annotated[str | None, Header(alias="X-Telegram-Bot-Api-Secret-Token")] = None,
) -> dict[str, Any]:
    """One update from Telegram; answered 200 only once it is committed (else it comes again)."""
    if collector is None or collector.mode != "webhook":
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Telegram webhook is not enabled")
    if secret is None or not hmac.compare_digest(
        secret.encode(), collector.webhook_secret.encode()
    ):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "bad or missing secret token")
    try:
        update = await request.json()
    except ValueError:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "body is not JSON") from None
    if not isinstance(update, dict):
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "body is not an Update object")
    await collector.handle_update(update)
    return {"ok": True}


@router.get("/chats", response_model=list[TelegramChatOut])
async def telegram_chats(session: SessionDep, _user: RequireHost) -> list[TelegramChatOut]:
    """Chats the bot has seen, so a host can find the id to link to an event."""
    return [TelegramChatOut.model_validate(c) for c in await list_chats(session)]
