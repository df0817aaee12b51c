"""A page whose session is signed out elsewhere stops streaming and goes to the sign-in form."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("path", ["/events/{id}", "/events/{id}/present"])
def test_signed_out_elsewhere_the_page_goes_to_sign_in(pages, server, event_id, path):
    # Streams check their session this often here; a sign-out is seen within it.
    server.app.state.live.recheck_seconds = 0.2
    page = pages.open(path.format(id=event_id))
    expect(page.locator("body")).to_be_visible()
    if "present" not in path:
        expect(page.locator("#conn")).to_have_text("● live")
    session_id = next(c["value"] for c in page.context.cookies() if c["name"] == "liveq_session")
    store, maker = server.app.state.web_sessions, server.app.state.sessionmaker
    server.call(lambda: store.close(maker, session_id))  # another tab signed out
    expect(page).to_have_url(re.compile(r"/signin\?next=/events/\d+"), timeout=10_000)
