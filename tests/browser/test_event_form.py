"""The events page: every setting of an event in the form, editing, and human error words."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_dashboard import api

pytestmark = pytest.mark.browser


class TestEventForm:
    def test_create_with_every_setting_then_edit_it(self, pages, server):
        from kit.clock import utcnow
        from models import TelegramChat

        async def seen(s):
            s.add(TelegramChat(id=-1001234567890, title="Forum", type="supergroup",
                               last_seen_at=utcnow()))  # fmt: skip

        server.session(seen)
        page = pages.open("/events")
        expect(page.locator("#ev-mode option[value=marked]")).to_have_text(
            "only marked (Q: …, /ask …, … #q)"
        )
        expect(page.locator("#ev-boost")).to_have_value("3")
        page.fill("#ev-title", "Board Q&A")
        page.select_option("#ev-chat", "-1001234567890")
        page.fill("#ev-topic", "42")
        page.fill("#ev-end", "2026-12-24T18:30")
        page.fill("#ev-boost", "5")
        page.check("#ev-ack")
        page.click("#ev-submit")
        expect(page).to_have_url(re.compile(r"/events/\d+$"))
        event_id = int(page.url.rsplit("/", 1)[1])
        with api(server) as c:
            made = c.get(f"/api/v1/events/{event_id}").json()
        assert (made["paid_boost"], made["acknowledge"]) == (5, True)
        assert made["planned_end_at"] is not None
        [telegram] = made["sources"]
        assert (telegram["chat_id"], telegram["thread_id"]) == (-1001234567890, 42)

        page.goto("/events")
        page.click(f'[data-edit="{event_id}"]')
        expect(page.locator("#ev-title")).to_have_value("Board Q&A")
        expect(page.locator("#ev-topic")).to_have_value("42")
        expect(page.locator("#ev-end")).to_have_value("2026-12-24T18:30")
        page.fill("#ev-title", "Board Q&A, second round")
        page.uncheck("#ev-ack")
        page.fill("#ev-youtube", "https://www.youtube.com/watch?v=dQw4w9WgXcQ")
        page.click("#ev-submit")
        expect(page.locator(f'tr[data-event-id="{event_id}"] .event-title')).to_have_text(
            "Board Q&A, second round"
        )
        with api(server) as c:
            edited = c.get(f"/api/v1/events/{event_id}").json()
        assert edited["acknowledge"] is False and edited["paid_boost"] == 5
        assert {s["platform"] for s in edited["sources"]} == {"telegram", "youtube"}

    def test_a_bad_link_is_explained_in_the_hosts_words(self, pages, server):
        page = pages.open("/events")
        page.fill("#ev-title", "Board Q&A")
        page.fill("#ev-youtube", "https://example.org/not-youtube")
        page.click("#ev-submit")
        toast = page.locator(".toast.error")
        expect(toast).to_contain_text("the event: YouTube link: not a YouTube video")
        assert "sources.0" not in toast.inner_text() and "Value error" not in toast.inner_text()


class TestNotFound:
    def test_a_missing_page_is_a_page_with_a_way_back(self, pages, server):
        page = pages.open("/events/987654")
        expect(page.locator("h2")).to_have_text("Not found")
        expect(page.locator("a", has_text="Back to the events")).to_be_visible()
        assert page.request.get("/api/v1/events/987654").json() == {
            "detail": "event 987654 not found"
        }
        page.goto("/no/such/page")
        expect(page.locator("main")).to_contain_text("There is no page at this address.")

    def test_pages_name_a_favicon_that_exists(self, pages, server, event_id):
        page = pages.open(f"/events/{event_id}")
        href = page.locator("link[rel=icon]").get_attribute("href")
        response = page.request.get(href)
        assert response.ok and response.headers["content-type"].startswith("image/svg")


class TestWords:
    def test_the_header_names_a_token_by_its_name(self, pages, server, event_id):
        from models import Role

        token = server.token(Role.moderator)
        page = pages.open(f"/events/{event_id}", role=None)
        page.fill("#token", token)
        page.click("#signin button[type=submit]")
        expect(page.locator(".who")).to_have_text("test moderator · moderator")


class TestMissingCredentials:
    def test_the_form_says_when_no_bot_token_or_api_key_is_set(self, pages, server):
        page = pages.open("/events")
        expect(page.locator("#ev-no-bot")).to_contain_text(
            "No Telegram bot token: set LIVEQ_TELEGRAM_BOT_TOKEN"
        )
        expect(page.locator("#ev-no-key")).to_contain_text("No YouTube API key")
        expect(page.locator("main")).not_to_contain_text("The bot has not seen any chat yet")
