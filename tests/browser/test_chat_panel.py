"""The chat panel in a real Chromium: chatter live beside the queue, promotion by click and key."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from intake.asks import IncomingAsk
from intake.ingest import ingest
from models import Ask, Platform, Question, Role

pytestmark = pytest.mark.browser
_n = iter(range(1, 10_000))


def chat(server, event_id, texts, *, platform=Platform.telegram, author=None):
    """Messages as a collector in the server's process hands them over (questions or not)."""
    asks = [
        IncomingAsk(
            platform=platform,
            source_id="chat",
            message_id=f"c{next(_n)}",
            text=text,
            asked_at=datetime.now(UTC),
            author_id=f"u{next(_n)}",
            author_name=author,
        )
        for text in texts
    ]
    intake = server.app.state.intake
    return server.session(lambda s: ingest(s, intake=intake, event_id=event_id, asks=asks))


def panel_page(pages, event_id, **kw):
    page = pages.open(f"/events/{event_id}", **kw)
    expect(page.locator("#conn")).to_have_text("● live")
    expect(page.locator("#chat-conn")).to_have_text("● live")
    return page


def message(page, text):
    return page.locator("#chat-list li.chat-msg", has_text=text)


class TestLive:
    def test_chatter_shows_within_a_second_beside_the_queue_per_platform(
        self, pages, server, event_id
    ):
        page = panel_page(pages, event_id)
        started = time.monotonic()
        chat(server, event_id, ["hello from Lagos!", "how do I get a grant for my user group"])
        chat(server, event_id, ["greetings from Jakarta 👋"], platform=Platform.youtube)
        expect(message(page, "hello from Lagos!")).to_be_visible(timeout=1000)
        expect(message(page, "greetings from Jakarta")).to_be_visible(timeout=1000)
        assert time.monotonic() - started < 1.5
        # The question without a question mark went to the queue, not to the chat.
        expect(page.locator("#queue li.q", has_text="grant for my user group")).to_be_visible()
        expect(message(page, "grant for my user group")).to_have_count(0)
        expect(page.locator("#chat-count")).to_have_text("2")
        expect(page.locator('[data-chat-count="telegram"]')).to_have_text("1")
        expect(page.locator('[data-chat-count="youtube"]')).to_have_text("1")
        # Beside the queue, not below it.
        queue_box = page.locator("#queue").bounding_box()
        panel_box = page.locator("#chat-panel").bounding_box()
        assert panel_box["x"] >= queue_box["x"] + queue_box["width"]
        page.click('[data-chat-platform="youtube"]')
        expect(message(page, "greetings from Jakarta")).to_be_visible()
        expect(message(page, "hello from Lagos!")).to_be_hidden()
        page.keyboard.press("?")  # the page's help lists the panel's keys
        expect(page.locator("#help")).to_contain_text("the chat panel")

    def test_names_only_when_the_host_asks_and_text_stays_text(self, pages, server, event_id):
        page = panel_page(pages, event_id)
        chat(server, event_id, ["<img src=x onerror=alert(1)> lol"], author="Ada Lovelace")
        item = message(page, "<img src=x onerror=alert(1)> lol")
        expect(item).to_be_visible()
        expect(item.locator(".chat-author")).to_be_hidden()
        expect(page.locator("#chat-panel img")).to_have_count(0)
        page.check("#names")
        expect(message(page, "onerror").locator(".chat-author")).to_have_text("Ada Lovelace")


class TestPromote:
    def test_a_click_makes_it_a_question_with_its_platform(self, pages, server, event_id):
        page = panel_page(pages, event_id)
        chat(server, event_id, ["budget for small wikis pls"], platform=Platform.youtube)
        item = message(page, "budget for small wikis pls")
        item.locator(".promote").click()
        expect(page.locator("#queue li.q", has_text="budget for small wikis pls")).to_be_visible(
            timeout=1000
        )
        expect(item).to_have_count(0)
        expect(page.locator(".toast.info")).to_contain_text("Now question #")

        async def stored(s):
            ask = await s.scalar(select(Ask).where(Ask.text == "budget for small wikis pls"))
            return ask.platform, ask.question_id

        platform, qid = server.session(stored)
        assert platform is Platform.youtube and qid is not None
        # Every open page's panel loses it, not only the one that promoted it.
        other = panel_page(pages, event_id)
        expect(other.locator("#chat-list li.chat-msg")).to_have_count(0)

    def test_keys_promote_and_a_duplicate_merges_while_queue_keys_stay_still(
        self, pages, server, event_id
    ):
        [asked] = chat(server, event_id, ["Grant deadline?"])
        page = panel_page(pages, event_id)
        expect(page.locator("#queue li.q")).to_have_count(1)
        chat(server, event_id, ["thanks all", "grant deadline"])
        expect(page.locator("#chat-list li.chat-msg")).to_have_count(2)
        page.keyboard.press("c")
        first = page.locator("#chat-list li.chat-msg").first
        expect(first).to_be_focused()
        expect(first).to_contain_text("grant deadline")  # the newest is on top
        page.keyboard.press("o")  # the queue's "on air" must not act from the panel
        page.keyboard.press("j")
        expect(message(page, "thanks all")).to_be_focused()
        page.keyboard.press("k")
        page.keyboard.press("Enter")
        expect(page.locator(".toast.info")).to_contain_text(f"Merged into #{asked.question_id}")
        expect(page.locator("#chat-list li.chat-msg")).to_have_count(1)
        expect(page.locator("#queue li.q .asked")).to_have_text("2 asked ▾")
        question = server.session(lambda s: s.get(Question, asked.question_id))
        assert question.status.value == "open" and question.ask_count == 2
        page.keyboard.press("q")  # the remaining message, now focused
        expect(page.locator("#chat-list li.chat-msg")).to_have_count(0)
        expect(page.locator("#queue li.q", has_text="thanks all")).to_be_visible()


class TestWhoSeesIt:
    def test_a_viewer_has_no_panel_and_is_refused(self, pages, server, event_id):
        chat(server, event_id, ["hello from Lagos!"])
        page = pages.open(f"/events/{event_id}", role=Role.viewer)
        expect(page.locator("#conn")).to_have_text("● live")
        expect(page.locator("#chat-panel")).to_have_count(0)
        assert page.request.get(f"/api/v1/events/{event_id}/chatter").status == 403
