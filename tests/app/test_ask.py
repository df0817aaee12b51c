"""/ask/{slug}: the public submission page, over plain HTML forms (no sign-in, no JavaScript)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.ask.service import AskSettings, RateLimiter
from intake.ingest import Intake
from models import MAX_TEXT, Ask, Platform
from tests.api_client import api_client

NOW = datetime(2026, 12, 2, 18, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def host(engine, sessionmaker, clock):
    """The host's API client (signed in) and the public's (no token), on one app."""
    intake = Intake(clock=clock)
    async with api_client(engine, sessionmaker, intake=intake) as c:
        c.app.state.ask_settings = AskSettings()  # type: ignore[attr-defined]
        c.app.state.ask_limiter = RateLimiter(3, timedelta(minutes=10))  # type: ignore[attr-defined]
        yield c


async def _event(host, *sources: dict) -> dict:
    r = await host.post(
        "/api/v1/events", json={"title": "Conversation <hour>", "sources": list(sources)}
    )
    assert r.status_code == 201, r.text
    return r.json()


def _public(host):
    """The same app, as a visitor: no Authorization header, its own cookies."""
    import httpx

    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=host.app, client=("203.0.113.7", 5555)),
        base_url="http://liveq.test",
    )


def _fields(html: str) -> dict[str, str]:
    return dict(re.findall(r'name="(csrf|form_id)" value="([^"]+)"', html))


async def _send(public, slug: str, question: str, *, name: str = "", **extra: str):
    page = await public.get(f"/ask/{slug}")
    assert page.status_code == 200, page.text
    data = {"question": question, "name": name, **_fields(page.text), "website": "", **extra}
    return await public.post(f"/ask/{slug}", data=data)


async def _asks(sessionmaker, event_id: int) -> list[Ask]:
    async with sessionmaker() as s:
        return list(await s.scalars(select(Ask).where(Ask.event_id == event_id).order_by(Ask.id)))


class TestPage:
    async def test_off_by_default(self, host) -> None:
        event = await _event(host)
        async with _public(host) as public:
            r = await public.get(f"/ask/{event['slug']}")
            assert r.status_code == 404 and "No question form here" in r.text
            assert "Conversation" not in r.text
            r = await public.post(f"/ask/{event['slug']}", data={"question": "Hello?"})
            assert r.status_code == 404

    async def test_the_form_shows_the_title_and_the_hosts_text_escaped(self, host) -> None:
        event = await _event(
            host, {"platform": "web", "note": "Ask before 18:00.\n\n<script>alert(1)</script>"}
        )
        async with _public(host) as public:
            r = await public.get(f"/ask/{event['slug']}")
        assert r.status_code == 200
        assert "Conversation &lt;hour&gt;" in r.text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in r.text and "<script>" not in r.text
        assert "script-src 'self'" in r.headers["content-security-policy"]
        assert r.headers["cache-control"] == "no-store"
        cookie = r.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/ask/" in cookie

    async def test_a_question_lands_in_the_queue_and_a_resent_form_adds_nothing(
        self, host, sessionmaker
    ) -> None:
        event = await _event(host, {"platform": "web"})
        slug = event["slug"]
        async with _public(host) as public:
            page = await public.get(f"/ask/{slug}")
            data = {
                "question": "Will there be a recording?",
                "name": "Ada",
                "website": "",
                **_fields(page.text),
            }
            r = await public.post(f"/ask/{slug}", data=data)
            assert r.status_code == 303 and r.headers["location"] == f"/ask/{slug}/sent"
            again = await public.post(f"/ask/{slug}", data=data)
            assert again.status_code == 303
            done = await public.get(f"/ask/{slug}/sent")
            assert "your question was sent" in done.text
        [ask] = await _asks(sessionmaker, event["id"])
        assert ask.platform is Platform.web and ask.author_name == "Ada"
        assert ask.author_key is None and ask.text == "Will there be a recording?"
        sources = (await host.get(f"/api/v1/events/{event['id']}/sources")).json()
        assert sources[0]["platform"] == "web" and sources[0]["taken"] == 1
        assert sources[0]["last_read_at"] is not None

    async def test_a_post_without_the_forms_cookie_keeps_the_question_and_asks_again(
        self, host, sessionmaker
    ) -> None:
        event = await _event(host, {"platform": "web"})
        async with _public(host) as public:
            r = await public.post(
                f"/ask/{event['slug']}",
                data={"question": "Is <b>this</b> kept?", "csrf": "forged-value-1234"},
            )
        assert r.status_code == 400 and "please send it again" in r.text
        assert "Is &lt;b&gt;this&lt;/b&gt; kept?" in r.text
        assert await _asks(sessionmaker, event["id"]) == []

    async def test_a_post_from_another_site_is_refused(self, host, sessionmaker) -> None:
        event = await _event(host, {"platform": "web"})
        async with _public(host) as public:
            page = await public.get(f"/ask/{event['slug']}")
            r = await public.post(
                f"/ask/{event['slug']}",
                data={"question": "Cross-site?", **_fields(page.text)},
                headers={"Origin": "https://evil.example"},
            )
        assert r.status_code == 403
        assert await _asks(sessionmaker, event["id"]) == []

    async def test_the_honeypot_takes_nothing_and_says_thanks(self, host, sessionmaker) -> None:
        event = await _event(host, {"platform": "web"})
        async with _public(host) as public:
            r = await _send(public, event["slug"], "Buy pills?", website="http://spam.example")
        assert r.status_code == 303
        assert await _asks(sessionmaker, event["id"]) == []

    async def test_an_address_is_limited_and_let_in_again_after_the_window(
        self, host, sessionmaker, clock
    ) -> None:
        event = await _event(host, {"platform": "web"})
        async with _public(host) as public:
            for n in range(3):
                r = await _send(public, event["slug"], f"Question number {n}?")
                assert r.status_code == 303
            r = await _send(public, event["slug"], "One too many?")
            assert r.status_code == 429 and int(r.headers["retry-after"]) > 0
            assert "try again in about 10 minutes" in r.text
            clock.now += timedelta(minutes=11)
            r = await _send(public, event["slug"], "Later again?")
            assert r.status_code == 303
        texts = [a.text for a in await _asks(sessionmaker, event["id"])]
        assert "One too many?" not in texts and "Later again?" in texts

    async def test_closed_after_its_closing_time_and_when_the_event_ends(self, host, clock) -> None:
        closes = (NOW + timedelta(hours=1)).isoformat()
        event = await _event(host, {"platform": "web", "closes_at": closes})
        slug = event["slug"]
        async with _public(host) as public:
            assert (await public.get(f"/ask/{slug}")).status_code == 200
            clock.now = NOW + timedelta(hours=1)
            r = await public.get(f"/ask/{slug}")
            assert r.status_code == 410 and "closed" in r.text
            assert (
                await public.post(f"/ask/{slug}", data={"question": "Late?"})
            ).status_code == 410
            clock.now = NOW
            await host.patch(f"/api/v1/events/{event['id']}", json={"status": "ended"})
            assert (await public.get(f"/ask/{slug}")).status_code == 410

    async def test_hostile_text_is_kept_harmless(self, host, sessionmaker) -> None:
        event = await _event(host, {"platform": "web"})
        async with _public(host) as public:
            r = await _send(
                public, event["slug"], "Is \u202egnp.exe\u202c\x00 safe?\r\nReally?", name="\x07Eve"
            )
            assert r.status_code == 303
        [ask] = await _asks(sessionmaker, event["id"])
        assert ask.text == "Is gnp.exe safe?\nReally?" and ask.author_name == "Eve"

    async def test_size_limits(self, host, sessionmaker) -> None:
        event = await _event(host, {"platform": "web"})
        async with _public(host) as public:
            r = await _send(public, event["slug"], "x" * (MAX_TEXT + 1) + "?")
            assert r.status_code == 422 and f"longer than {MAX_TEXT}" in r.text
            r = await _send(public, event["slug"], "  ")
            assert r.status_code == 422 and "write your question" in r.text
            r = await _send(public, event["slug"], "y" * 100_000)
            assert r.status_code == 413
        assert await _asks(sessionmaker, event["id"]) == []


class TestSources:
    async def test_email_and_web_sources_are_listed_with_their_state(self, host) -> None:
        event = await _event(
            host,
            {
                "platform": "email",
                "mailbox": "imaps://answers%40example.org@imap.fastmail.com/INBOX",
                "subject_tag": "CR&S",
            },
            {"platform": "web", "note": "Ask away"},
        )
        r = await host.get(f"/api/v1/events/{event['id']}/sources")
        email, web = r.json()
        assert email["mailbox"] == "imaps://answers%40example.org@imap.fastmail.com:993/INBOX"
        assert email["subject_tag"] == "CR&S" and email["state"] == "waiting"
        assert email["taken"] == 0 and email["errors"] == 0 and email["last_read_at"] is None
        assert web["note"] == "Ask away" and web["state"] == "active"
        # Listed again with a new tag: the same source (its counts stay), the new tag.
        r = await host.patch(
            f"/api/v1/events/{event['id']}",
            json={
                "sources": [
                    {
                        "platform": "email",
                        "mailbox": "imaps://answers@example.org@imap.fastmail.com:993/INBOX",
                        "subject_tag": "Q&A",
                    }
                ]
            },
        )
        assert r.status_code == 200, r.text
        [again] = r.json()["sources"]
        assert again["id"] == email["id"] and again["subject_tag"] == "Q&A"

    @pytest.mark.parametrize(
        ("mailbox", "message"),
        [
            ("imaps://user:hunter22@imap.example.org/INBOX", "must not contain a password"),
            ("imap://user@imap.example.org/INBOX", "use imaps://"),
            ("https://user@imap.example.org/", "must start with imaps://"),
            ("imaps://imap.example.org/INBOX", "must name the user"),
        ],
    )
    async def test_a_bad_mailbox_is_refused_with_its_reason(self, host, mailbox, message) -> None:
        r = await host.post(
            "/api/v1/events",
            json={"title": "x", "sources": [{"platform": "email", "mailbox": mailbox}]},
        )
        assert r.status_code == 422 and message in r.text
        assert (await host.get("/api/v1/events")).json() == []  # nothing stored
