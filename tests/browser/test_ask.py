"""The public submission page in a real Chromium: no sign-in, no JavaScript needed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from app.ask.service import AskSettings, RateLimiter
from models import Ask, EventSource, Platform, SourceState
from tests.browser.conftest import Pages
from tests.browser.server import LiveServer

pytestmark = pytest.mark.browser


def _open_page(server: LiveServer, event_id: int, *, closes_at: datetime | None = None) -> str:
    """Give the event a submission page; returns its slug."""

    async def add(s: Any) -> str:
        s.add(
            EventSource(
                event_id=event_id,
                platform=Platform.web,
                web_note="Send us your questions before the stream.",
                web_closes_at=closes_at,
                state=SourceState.active,
                updated_at=datetime.now(UTC),
            )
        )
        from models import Event

        event = await s.get(Event, event_id)
        return str(event.slug)

    return server.session(add)


def _asks(server: LiveServer, event_id: int) -> list[tuple[str, str | None]]:
    async def read(s: Any) -> list[tuple[str, str | None]]:
        rows = await s.execute(
            select(Ask.text, Ask.author_name).where(Ask.event_id == event_id).order_by(Ask.id)
        )
        return [tuple(r) for r in rows]

    return server.session(read)


def _visitor(pages: Pages, path: str, *, javascript: bool = False) -> Any:
    """A visitor's page: not signed in, JavaScript off (the form must not need it)."""
    context = pages.browser.new_context(  # type: ignore[attr-defined]
        base_url=pages.server.url, java_script_enabled=javascript
    )
    context.set_default_timeout(5000)
    pages.contexts.append(context)
    page = context.new_page()
    page.goto(path)
    return page


def _ask(page: Any, question: str, name: str = "") -> None:
    page.fill("#question", question)
    if name:
        page.fill("#name", name)
    page.click("#send")


class TestSubmissionPage:
    def test_a_question_is_sent_and_lands_in_the_queue(
        self, server: LiveServer, pages: Pages, event_id: int
    ) -> None:
        slug = _open_page(server, event_id)
        page = _visitor(pages, f"/ask/{slug}")
        assert page.text_content("#title") == "Conversation hour"
        assert "before the stream" in page.text_content("main")
        box = page.locator("#website").bounding_box()
        assert box is not None and box["x"] + box["width"] < 0  # the honeypot is off-screen
        _ask(page, "Will the slides be shared?", "Grace")
        page.wait_for_selector("#sent")
        assert page.url.endswith(f"/ask/{slug}/sent")
        assert _asks(server, event_id) == [("Will the slides be shared?", "Grace")]
        # The host sees it in the queue like any other question.
        host = pages.open(f"/events/{event_id}")
        host.wait_for_selector("text=Will the slides be shared?")
        # Another question from the same visitor, through the confirmation's link.
        page.click("#again")
        _ask(page, "Is there a transcript?")
        page.wait_for_selector("#sent")
        assert len(_asks(server, event_id)) == 2

    def test_a_second_burst_from_one_address_is_limited(
        self, server: LiveServer, pages: Pages, event_id: int
    ) -> None:
        server.app.state.ask_settings = AskSettings()
        server.app.state.ask_limiter = RateLimiter(3, timedelta(minutes=10))
        slug = _open_page(server, event_id)
        page = _visitor(pages, f"/ask/{slug}")
        for n in range(3):
            _ask(page, f"Burst question {n}?")
            page.wait_for_selector("#sent")
            page.click("#again")
        _ask(page, "One more?")
        page.wait_for_selector("#limited")
        assert "try again in about 10 minutes" in page.text_content("#limited")
        assert [t for t, _ in _asks(server, event_id)] == [f"Burst question {n}?" for n in range(3)]

    def test_a_filled_honeypot_thanks_the_bot_and_takes_nothing(
        self, server: LiveServer, pages: Pages, event_id: int
    ) -> None:
        slug = _open_page(server, event_id)
        page = _visitor(pages, f"/ask/{slug}")
        page.fill("#question", "Cheap watches?")
        page.fill("#website", "http://spam.example")  # what a form-filling bot does
        page.click("#send")
        page.wait_for_selector("#sent")
        assert _asks(server, event_id) == []

    def test_a_closed_event_shows_that_questions_are_closed(
        self, server: LiveServer, pages: Pages, event_id: int
    ) -> None:
        slug = _open_page(server, event_id, closes_at=datetime.now(UTC) - timedelta(minutes=1))
        page = _visitor(pages, f"/ask/{slug}")
        assert "closed" in page.text_content("#closed")
        assert page.query_selector("#question") is None

    def test_an_event_without_a_page_has_none(
        self, server: LiveServer, pages: Pages, event_id: int
    ) -> None:
        slug = server.session(lambda s: _slug(s, event_id))
        page = _visitor(pages, f"/ask/{slug}")
        assert page.query_selector("#missing") is not None
        assert "Conversation hour" not in page.content()


async def _slug(s: Any, event_id: int) -> str:
    from models import Event

    event = await s.get(Event, event_id)
    return str(event.slug)


class TestHostSide:
    def test_a_host_names_a_mailbox_and_opens_the_page_when_creating_the_event(
        self, server: LiveServer, pages: Pages
    ) -> None:
        page = pages.open("/events")
        page.fill("#ev-title", "Board Q&A")
        page.fill("#ev-mailbox", "imaps://answers@example.org@imap.fastmail.com/INBOX")
        page.fill("#ev-tag", "CR&S")
        page.check("#ev-web")
        page.click("#new-event button[type=submit]")
        page.wait_for_url("**/events/*")
        event_id = int(page.url.rsplit("/", 1)[1])

        async def sources(s: Any) -> list[tuple[str, str | None, str | None]]:
            rows = await s.execute(
                select(
                    EventSource.platform, EventSource.email_mailbox, EventSource.email_subject_tag
                )
                .where(EventSource.event_id == event_id)
                .order_by(EventSource.id)
            )
            return [(p.value, m, t) for p, m, t in rows]

        assert server.session(sources) == [
            ("email", "imaps://answers%40example.org@imap.fastmail.com:993/INBOX", "CR&S"),
            ("web", None, None),
        ]
        listing = pages.open("/events")
        listing.click("a.badge.p-web")
        listing.wait_for_selector("#ask")
        assert listing.text_content("#title") == "Board Q&A"
