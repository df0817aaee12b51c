"""Browser tests: a real server per test (its own database), one Chromium per worker."""

from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from kit.settings import DatabaseSettings
from models import Role
from tests.browser.server import LiveServer
from tests.conftest import Databases

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


# Module scope, not session: Playwright's sync API keeps an event loop registered on this
# thread while it runs, which would break asyncio tests scheduled after it on the same worker.
@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip(f"{CHROMIUM} is missing: `make test-setup` installs Debian's chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


def fresh_database(databases: Databases) -> DatabaseSettings:
    """A migrated database of the test's own, made in a thread: Playwright's sync API keeps an
    event loop registered on this one, and the migrations run their own loop."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(databases.new).result()


@pytest.fixture
def server(databases: Databases) -> Iterator[LiveServer]:
    live = LiveServer(fresh_database(databases)).start()
    yield live
    live.stop()


@pytest.fixture
def event_id(server: LiveServer) -> int:
    from app.events.schemas import EventCreate
    from app.events.service import create_event

    async def make(s):  # type: ignore[no-untyped-def]
        event = await create_event(
            s, data=EventCreate(title="Conversation hour"), actor="admin", now=server.clock()
        )
        return event.id

    return server.session(make)


class Pages:
    """Signed-in browser pages that fail their test on any JavaScript dialog or page error."""

    def __init__(self, browser: object, server: LiveServer) -> None:
        self.browser = browser
        self.server = server
        self.contexts: list[object] = []
        self.problems: list[str] = []

    def open(
        self, path: str, *, role: Role | None = Role.admin, width: int = 1280, height: int = 860
    ) -> object:
        context = self.browser.new_context(  # type: ignore[attr-defined]
            viewport={"width": width, "height": height}, base_url=self.server.url
        )
        context.set_default_timeout(5000)
        self.contexts.append(context)
        if role is not None:
            context.add_cookies(
                [
                    {
                        "name": "liveq_session",
                        "value": self.server.sign_in(role),
                        "url": self.server.url,
                    }
                ]
            )
        page = context.new_page()
        page.on("dialog", lambda d: (self.problems.append(f"dialog: {d.message}"), d.dismiss()))
        page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        # An expected refusal (403, 409) logs "Failed to load resource"; anything else is a bug.
        page.on(
            "console",
            lambda m: (
                m.type == "error"
                and "Failed to load resource" not in m.text
                and self.problems.append(f"console: {m.text}")
            ),
        )
        page.goto(path)
        return page

    def close(self) -> None:
        for context in self.contexts:
            context.close()  # type: ignore[attr-defined]


@pytest.fixture
def pages(browser: object, server: LiveServer) -> Iterator[Pages]:
    made = Pages(browser, server)
    yield made
    made.close()
    assert not made.problems, made.problems
