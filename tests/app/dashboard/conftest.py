import re
from contextlib import asynccontextmanager

import pytest

from tests.api_client import ADMIN, api_client


async def sign_in(client, token=ADMIN, **headers):
    """Sign in through the form, as a browser would; the page's CSRF token."""
    page = await client.get("/signin")
    nonce = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    r = await client.post(
        "/signin", data={"token": token, "csrf": nonce, "next": "/events"}, headers=headers
    )
    assert r.status_code == 303, r.text
    events = await client.get("/events")
    return re.search(r'name="csrf-token" content="([^"]+)"', events.text).group(1)


@asynccontextmanager
async def browser_client(engine, sessionmaker, **kw):
    """A client with no bearer token: cookies only."""
    async with api_client(engine, sessionmaker, token=None, **kw) as c:
        yield c


@pytest.fixture
async def web(engine, sessionmaker):
    async with browser_client(engine, sessionmaker) as c:
        c.csrf = await sign_in(c)
        yield c
