from datetime import UTC, datetime

from sqlalchemy import select

from app.auth.tokens import create_token
from models import AuditEntry, Role
from tests.api_client import api_client


async def _token(sessionmaker, role, name=None):
    async with sessionmaker() as s, s.begin():
        return await create_token(
            s, role=Role(role), name=name or f"test {role}", now=datetime.now(UTC)
        )


class TestAuth:
    async def test_no_token_or_bad_token_is_401(self, engine, sessionmaker):
        async with api_client(engine, sessionmaker, token=None) as c:
            r = await c.get("/api/v1/events")
            assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
        async with api_client(engine, sessionmaker, token="nope-nope-nope-nope") as c:
            assert (await c.get("/api/v1/events")).status_code == 401

    async def test_healthz_needs_no_token(self, engine, sessionmaker):
        async with api_client(engine, sessionmaker, token=None) as c:
            assert (await c.get("/healthz")).status_code == 200

    async def test_viewer_reads_but_may_not_act(self, engine, sessionmaker, client, event_id):
        viewer = await _token(sessionmaker, "viewer")
        async with api_client(engine, sessionmaker, token=viewer) as c:
            assert (await c.get(f"/api/v1/events/{event_id}/questions")).status_code == 200
            r = await c.post(f"/api/v1/events/{event_id}/questions", json={"text": "x?"})
            assert r.status_code == 403 and "viewer" in r.text
            assert (await c.post("/api/v1/events", json={"title": "t"})).status_code == 403

    async def test_moderator_acts_on_questions_not_events(self, engine, sessionmaker, event_id):
        moderator = await _token(sessionmaker, "moderator")
        async with api_client(engine, sessionmaker, token=moderator) as c:
            r = await c.post(f"/api/v1/events/{event_id}/questions", json={"text": "Budget?"})
            assert r.status_code == 201
            qid = r.json()["question"]["id"]
            assert (
                await c.patch(f"/api/v1/questions/{qid}", json={"pinned": True})
            ).status_code == 200
            assert (await c.post("/api/v1/events", json={"title": "t"})).status_code == 403

    async def test_a_token_with_the_longest_name_is_named_in_the_audit_trail(
        self, engine, sessionmaker, event_id
    ):
        name = "n" * 120
        moderator = await _token(sessionmaker, "moderator", name=name)
        async with api_client(engine, sessionmaker, token=moderator) as c:
            r = await c.post(f"/api/v1/events/{event_id}/questions", json={"text": "Budget?"})
            assert r.status_code == 201
            async with sessionmaker() as s:
                actors = await s.scalars(
                    select(AuditEntry.actor).where(AuditEntry.event_id == event_id)
                )
                assert any(a.endswith(":" + name) for a in actors)

    async def test_revoked_or_unknown_tokens_are_refused(self, engine, sessionmaker):
        host = await _token(sessionmaker, "host")
        async with api_client(engine, sessionmaker, token=host + "x") as c:
            assert (await c.get("/api/v1/events")).status_code == 401
        async with api_client(engine, sessionmaker, token=host) as c:
            assert (await c.post("/api/v1/events", json={"title": "t"})).status_code == 201
