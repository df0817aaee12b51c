"""The sources panel on the queue page: each source's state and the fix for each problem."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from app.events.schemas import EventCreate
from app.events.service import create_event
from kit.clock import utcnow
from tests.browser.test_dashboard import keep_screenshot

pytestmark = pytest.mark.browser


def event_with_sources(server) -> int:
    async def make(s):  # type: ignore[no-untyped-def]
        data = EventCreate.model_validate(
            {
                "title": "Budget night",
                "sources": [
                    {"platform": "youtube", "video": "dQw4w9WgXcQ"},
                    {"platform": "telegram", "chat_id": -100777},
                ],
            }
        )
        event = await create_event(s, data=data, actor="admin", now=utcnow())
        return event.id

    return server.session(make)


class TestSourcesPanel:
    def test_no_key_and_no_token_say_what_to_set(self, pages, server, tmp_path):
        event_id = event_with_sources(server)
        server.ingest(event_id, ["Who audits the budget?"])
        page = pages.open(f"/events/{event_id}")
        youtube = page.locator(".source[data-platform=youtube]")
        telegram = page.locator(".source[data-platform=telegram]")
        expect(youtube).to_have_attribute("data-level", "problem")
        expect(youtube.locator(".source-fix")).to_contain_text(
            "Set LIVEQ_YOUTUBE_API_KEY (a YouTube Data API v3 key) and restart liveq."
        )
        expect(youtube.locator(".source-name")).to_have_text("video dQw4w9WgXcQ")
        expect(telegram).to_have_attribute("data-level", "problem")
        expect(telegram.locator(".source-fix")).to_contain_text(
            "set LIVEQ_TELEGRAM_BOT_TOKEN to its token"
        )
        # The Telegram chat brought a question: how long ago is said.
        expect(telegram.locator(".source-facts")).to_contain_text("last question just now")
        page.mouse.move(0, 0)
        page.screenshot(path=tmp_path / "sources.png")
        keep_screenshot(tmp_path / "sources.png")

    def test_an_event_without_sources_says_questions_come_by_hand(self, pages, server, event_id):
        page = pages.open(f"/events/{event_id}")
        expect(page.locator(".sources-none")).to_be_visible()
        expect(page.locator(".source")).to_have_count(0)
