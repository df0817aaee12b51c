"""/api/v1/tokens and `liveq token list|revoke`: listed without secrets, revoked by id."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from app.auth.tokens import create_token
from models import DashboardSession, Role
from tests.api_client import ADMIN, api_client
from tests.app.dashboard.conftest import browser_client, sign_in


async def _token(sessionmaker, role, name="t"):
    async with sessionmaker() as s, s.begin():
        return await create_token(s, role=Role(role), name=name, now=datetime.now(UTC))


class TestList:
    async def test_hosts_list_tokens_without_any_secret(self, engine, sessionmaker, client):
        host = await _token(sessionmaker, "host", "Maggie's laptop")
        viewer = await _token(sessionmaker, "viewer")
        async with api_client(engine, sessionmaker, token=host) as c:
            r = await c.get("/api/v1/tokens")
        assert r.status_code == 200
        listed = {t["name"]: t for t in r.json()}
        assert listed["Maggie's laptop"]["role"] == "host"
        assert listed["Maggie's laptop"]["last_used_at"] is not None
        assert set(listed["t"]) == {"id", "name", "role", "created_at", "last_used_at", "revoked"}
        assert host not in r.text and viewer not in r.text and "lq_" not in r.text

    async def test_moderators_and_viewers_may_not(self, engine, sessionmaker):
        for role in ("moderator", "viewer"):
            token = await _token(sessionmaker, role)
            async with api_client(engine, sessionmaker, token=token) as c:
                assert (await c.get("/api/v1/tokens")).status_code == 403
                assert (await c.post("/api/v1/tokens/1/revoke")).status_code == 403


class TestRevoke:
    async def test_a_revoked_tokens_sessions_end_at_once(self, engine, sessionmaker):
        moderator = await _token(sessionmaker, "moderator", "mod")
        as_admin = {"Authorization": f"Bearer {ADMIN}"}  # a bearer token wins over the cookie
        async with browser_client(engine, sessionmaker) as web:
            await sign_in(web, moderator)
            assert (await web.get("/api/v1/events")).status_code == 200  # cached as valid
            listed = (await web.get("/api/v1/tokens", headers=as_admin)).json()
            token_id = next(t["id"] for t in listed if t["name"] == "mod")
            r = await web.post(f"/api/v1/tokens/{token_id}/revoke", headers=as_admin)
            assert r.status_code == 200 and r.json()["revoked"] is True
            assert (await web.get("/api/v1/events")).status_code == 401
            again = await web.post(f"/api/v1/tokens/{token_id}/revoke", headers=as_admin)
            assert again.status_code == 200
        async with sessionmaker() as s:
            assert await s.scalar(select(func.count()).select_from(DashboardSession)) == 0

    async def test_cached_in_the_same_app_then_revoked(self, engine, sessionmaker, client):
        viewer = await _token(sessionmaker, "viewer", "v")
        as_viewer = {"Authorization": f"Bearer {viewer}"}
        assert (await client.get("/api/v1/events", headers=as_viewer)).status_code == 200
        token_id = next(t["id"] for t in (await client.get("/api/v1/tokens")).json())
        assert (await client.post(f"/api/v1/tokens/{token_id}/revoke")).status_code == 200
        assert (await client.get("/api/v1/events", headers=as_viewer)).status_code == 401

    async def test_only_an_admin_revokes_an_admin_token(self, engine, sessionmaker, client):
        admin = await _token(sessionmaker, "admin", "second admin")
        host = await _token(sessionmaker, "host")
        admin_id = next(
            t["id"] for t in (await client.get("/api/v1/tokens")).json() if t["role"] == "admin"
        )
        async with api_client(engine, sessionmaker, token=host) as c:
            r = await c.post(f"/api/v1/tokens/{admin_id}/revoke")
            assert r.status_code == 403 and "admin token" in r.text
        async with api_client(engine, sessionmaker, token=admin) as c:
            assert (await c.post(f"/api/v1/tokens/{admin_id}/revoke")).status_code == 200

    async def test_unknown_or_out_of_range_ids(self, client):
        assert (await client.post("/api/v1/tokens/999999/revoke")).status_code == 404
        assert (await client.post("/api/v1/tokens/2147483648/revoke")).status_code == 422
        assert (await client.post("/api/v1/tokens/0/revoke")).status_code == 422
