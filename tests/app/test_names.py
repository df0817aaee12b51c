"""Askers' names: only hosts and admins reveal them, moderators when the event allows, viewers
never — on every route that can return a name, with database-issued tokens for every role."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest

from app.auth.tokens import create_token
from models import Role
from tests.api_client import api_client
from tests.app.conftest import add
from tests.app.dashboard.conftest import browser_client, sign_in

NAME = "Ada Lovelace"
ROLES = ["viewer", "moderator", "host", "admin"]
FORMATS = ["csv", "json", "md", "wikitext"]


async def _token(sessionmaker, role: str) -> str:
    async with sessionmaker() as s, s.begin():
        return await create_token(s, role=Role(role), name=f"{role} 1", now=datetime.now(UTC))


@pytest.fixture
def short_streams(client):
    """Streams that end after a moment, so the in-process transport returns their body."""
    live = client.app.state.live
    live.max_seconds, live.poll_seconds = 0.3, 0.05
    return live


@pytest.fixture
async def asked(client, event_id):
    """Two questions alike enough to be suggested for each other, one asked by NAME."""
    first = await add(client, event_id, "When does the board election voting close?", author=NAME)
    other = await add(
        client, event_id, "Will the board election results be published soon?", author="Bea"
    )
    return {**first, "other_id": other["id"]}


def _routes(event_id: int, question: dict) -> dict[str, tuple[str, dict]]:
    """Every route that can show an asker's name: (path, query without `authors`)."""
    routes = {
        "queue": (f"/api/v1/events/{event_id}/questions", {}),
        "question": (f"/api/v1/questions/{question['id']}", {}),
        # Suggestions for the other question include NAME's.
        "similar": (f"/api/v1/questions/{question['other_id']}/similar", {}),
        "stream": (f"/api/v1/events/{event_id}/stream", {"after": 0}),
    }
    for fmt in FORMATS:
        routes[f"export {fmt}"] = (f"/api/v1/events/{event_id}/export", {"format": fmt})
    return routes


ROUTE_NAMES = ["queue", "question", "similar", "stream", *(f"export {f}" for f in FORMATS)]


def _shows_name(route: str, body: str) -> bool:
    if route == "export csv":
        rows = list(csv.DictReader(io.StringIO(body)))
        return any(NAME in (r.get("askers") or "") for r in rows)
    return NAME in body


class TestNamesByRole:
    @pytest.mark.parametrize("route", ROUTE_NAMES)
    @pytest.mark.parametrize("role", ROLES)
    async def test_who_may_reveal_names(
        self, engine, sessionmaker, client, event_id, asked, short_streams, role, route
    ):
        token = await _token(sessionmaker, role)
        path, query = _routes(event_id, asked)[route]
        headers = {"Authorization": f"Bearer {token}"}
        r = await client.get(path, params={**query, "authors": "names"}, headers=headers)
        if role in ("host", "admin"):
            assert r.status_code == 200, r.text
            assert _shows_name(route, r.text), f"{role} asked for names on {route}"
        else:
            assert r.status_code == 403, f"{role} got {r.status_code} on {route}"
            detail = r.json()["detail"]
            assert "names" in detail and role in detail
            assert NAME not in r.text
        # Without authors=names nobody sees a name, whatever the role.
        plain = await client.get(path, params=query, headers=headers)
        assert plain.status_code == 200, plain.text
        assert not _shows_name(route, plain.text)

    @pytest.mark.parametrize("route", ROUTE_NAMES)
    async def test_moderators_when_the_event_allows(
        self, sessionmaker, client, event_id, asked, short_streams, route
    ):
        moderator = await _token(sessionmaker, "moderator")
        path, query = _routes(event_id, asked)[route]
        headers = {"Authorization": f"Bearer {moderator}"}
        r = await client.get(path, params={**query, "authors": "names"}, headers=headers)
        assert r.status_code == 403 and "moderators_see_names" in r.json()["detail"]
        # Only a host may turn it on.
        r = await client.patch(
            f"/api/v1/events/{event_id}", json={"moderators_see_names": True}, headers=headers
        )
        assert r.status_code == 403
        r = await client.patch(f"/api/v1/events/{event_id}", json={"moderators_see_names": True})
        assert r.status_code == 200 and r.json()["moderators_see_names"] is True
        r = await client.get(path, params={**query, "authors": "names"}, headers=headers)
        assert r.status_code == 200, r.text
        assert _shows_name(route, r.text)

    async def test_the_environment_admin_token_may(self, client, event_id, asked):
        r = await client.get(f"/api/v1/questions/{asked['id']}", params={"authors": "names"})
        assert r.status_code == 200 and r.json()["asks"][0]["author"] == NAME

    async def test_similar_suggests_with_names_for_a_host(
        self, sessionmaker, client, event_id, asked
    ):
        host = await _token(sessionmaker, "host")
        r = await client.get(
            f"/api/v1/questions/{asked['id']}/similar",
            params={"authors": "names"},
            headers={"Authorization": f"Bearer {host}"},
        )
        assert r.status_code == 200
        items = r.json()["items"]
        assert items and items[0]["question"]["asks"][0]["author"] == "Bea"
        assert items[0]["question"]["id"] == asked["other_id"]

    async def test_new_events_keep_names_from_moderators(self, client):
        r = await client.post("/api/v1/events", json={"title": "Town hall"})
        assert r.status_code == 201 and r.json()["moderators_see_names"] is False


class TestDashboardSwitch:
    @pytest.mark.parametrize(
        ("role", "shown"), [("viewer", False), ("moderator", False), ("host", True)]
    )
    async def test_names_switch_only_for_those_allowed(
        self, engine, sessionmaker, event_id, role, shown
    ):
        token = await _token(sessionmaker, role)
        async with browser_client(engine, sessionmaker) as web:
            await sign_in(web, token)
            page = await web.get(f"/events/{event_id}")
            assert page.status_code == 200
            assert ('id="names"' in page.text) is shown
            assert f'data-can-see-names="{1 if shown else 0}"' in page.text
            present = await web.get(f"/events/{event_id}/present", params={"names": 1})
            assert f'data-names="{1 if shown else 0}"' in present.text

    async def test_moderators_get_the_switch_when_the_event_allows(
        self, engine, sessionmaker, client, event_id
    ):
        await client.patch(f"/api/v1/events/{event_id}", json={"moderators_see_names": True})
        token = await _token(sessionmaker, "moderator")
        async with browser_client(engine, sessionmaker) as web:
            await sign_in(web, token)
            assert 'id="names"' in (await web.get(f"/events/{event_id}")).text


async def test_other_clients_unchanged(engine, sessionmaker):
    """api_client with no token still answers 401 before any names check."""
    async with api_client(engine, sessionmaker, token=None) as c:
        r = await c.get("/api/v1/questions/1", params={"authors": "names"})
        assert r.status_code == 401
