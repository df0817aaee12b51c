"""Webhook mode: the secret token guards POST /telegram/webhook; the chats list for hosts."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from app.telegram.router import router, webhook_router
from collectors.telegram.run import ALLOWED_UPDATES, TelegramCollector
from fakes.telegram import FakeTelegram, chat, message
from kit.settings import ApiSettings
from models import Question
from tests.collectors.telegram.conftest import CollectorFactory, running
from tests.factories import make_event

GROUP = chat(-1001000000001, title="Live Q&A")
ADMIN = "admin-token-for-the-tests-0123456789"


@pytest.fixture
async def hooked(collector: CollectorFactory) -> TelegramCollector:
    c = await collector(telegram_webhook_url="https://liveq.example/telegram/webhook")
    await c.wait_for(running)
    return c


@pytest.fixture
async def client(db, hooked: TelegramCollector) -> AsyncIterator[httpx.AsyncClient]:
    app = FastAPI()
    app.include_router(webhook_router)
    app.include_router(router)
    app.state.collectors = {"telegram": hooked}
    app.state.sessionmaker = db
    app.state.intake = hooked.intake
    app.state.api_settings = ApiSettings(admin_token=ADMIN)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as c:
        yield c


async def test_the_webhook_is_registered_with_its_secret(
    fake: FakeTelegram, hooked: TelegramCollector
) -> None:
    assert fake.webhook_url == "https://liveq.example/telegram/webhook"
    assert fake.webhook_secret == hooked.webhook_secret
    [call] = fake.calls_of("setWebhook")
    assert call.params["allowed_updates"] == list(ALLOWED_UPDATES)
    assert fake.calls_of("getUpdates") == []


@pytest.mark.parametrize("header", [None, "wrong", "é-not-ascii".encode("latin-1")])
async def test_a_request_without_the_secret_is_refused(
    client: httpx.AsyncClient, header: str | bytes | None
) -> None:
    update = {"update_id": 1, **message(chat=GROUP, message_id=1, text="Sneaky?")}
    headers: dict[str, Any] = {} if header is None else {"X-Telegram-Bot-Api-Secret-Token": header}
    response = await client.post("/telegram/webhook", json=update, headers=headers)
    assert response.status_code == 403


async def test_an_update_with_the_secret_is_stored_before_200(
    client: httpx.AsyncClient, hooked: TelegramCollector, db
) -> None:
    async with db() as s, s.begin():
        event = await make_event(s, telegram_chats=(GROUP["id"],))
    update = {"update_id": 7, **message(chat=GROUP, message_id=5, text="Webhooks work?")}
    headers = {"X-Telegram-Bot-Api-Secret-Token": hooked.webhook_secret}
    response = await client.post("/telegram/webhook", json=update, headers=headers)
    assert response.status_code == 200
    async with db() as s:
        texts = list(await s.scalars(select(Question.text).where(Question.event_id == event.id)))
    assert texts == ["Webhooks work?"]
    # Telegram re-sends when unsure: nothing doubles.
    assert (await client.post("/telegram/webhook", json=update, headers=headers)).is_success
    async with db() as s:
        assert len(list(await s.scalars(select(Question.id)))) == 1

    chats = await client.get("/api/v1/telegram/chats", headers={"Authorization": f"Bearer {ADMIN}"})
    assert chats.status_code == 200
    assert [(c["id"], c["title"], c["type"]) for c in chats.json()] == [
        (GROUP["id"], "Live Q&A", "supergroup")
    ]
    assert (await client.get("/api/v1/telegram/chats")).status_code == 401
