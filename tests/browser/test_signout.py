"""A page whose session is signed out elsewhere stops streaming and goes to the sign-in form."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("path", ["/events/{id}", "/events/{id}/present"])
def test_signed_out_elsewhere_the_page_goes_to_sign_in(pages, server, event_id, path):
    # Streams check their session this often here; a sign-out is seen within it.
    server.app.state.stream_guard.recheck_seconds = 0.2
    page = pages.open(path.format(id=event_id))
    server.call(lambda: server.app.state.streams.wait_open())  # the page is streaming
    session_id = next(c["value"] for c in page.context.cookies() if c["name"] == "liveq_session")
    store, maker = server.app.state.web_sessions, server.app.state.sessionmaker
    server.call(lambda: store.close(maker, session_id))  # another tab signed out
    # The page's own 401 handling may get there first (it encodes the path).
    expect(page).to_have_url(re.compile(r"/signin\?next=(/|%2F)events(/|%2F)\d+"), timeout=10_000)
