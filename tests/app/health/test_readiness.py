"""/readyz says ready or not to anyone; the detail is for hosts and admins at /api/v1/status."""

from __future__ import annotations

from datetime import UTC, datetime

from app.auth.tokens import create_token
from models import Role
from tests.api_client import api_client

LEAKY_ERROR = (
    "(sqlalchemy.dialects.postgresql.asyncpg.Error) <class 'asyncpg.exceptions."
    'CharacterNotInRepertoireError\'>: invalid byte sequence for encoding "UTF8": 0x00\n'
    "[SQL: INSERT INTO asks (text, author) VALUES ($1::VARCHAR, $2::VARCHAR)]\n"
    "[parameters: ('Is my secret question here?', 'Ana Lima')]\n"
    "(Background on this error at: https://sqlalche.me/e/21/dbapi)"
)


class Reporting:
    """A collector as /readyz sees it: its status(), and stop() for the app's shutdown."""

    async def stop(self):
        pass

    def status(self):
        return {
            "state": "retrying",
            "bot_username": "liveq_event_bot",
            "last_error": LEAKY_ERROR,
            "sources": [{"event_id": 7, "chat_id": -1001999, "quota": {"units_left": 42}}],
        }


class TestReadiness:
    async def test_the_public_answer_is_ready_or_not_and_nothing_else(self, engine, sessionmaker):
        async with api_client(engine, sessionmaker, token=None) as c:
            c.app.state.collectors = {"telegram": Reporting()}
            r = await c.get("/readyz")
        assert r.status_code == 200 and r.json() == {"status": "ready"}
        for leak in ("liveq_event_bot", "secret question", "1001999", "INSERT", "42"):
            assert leak not in r.text

    async def test_hosts_read_the_detail_without_statements_or_texts(self, client):
        client.app.state.collectors = {"telegram": Reporting()}
        r = await client.get("/api/v1/status")
        assert r.status_code == 200
        body = r.json()
        assert body["status"] == "ready" and body["database"] == "ok"
        telegram = body["collectors"]["telegram"]
        assert telegram["bot_username"] == "liveq_event_bot"
        assert "0x00" in telegram["last_error"]
        for leak in ("INSERT", "secret question", "Ana Lima", "[SQL", "parameters"):
            assert leak not in r.text

    async def test_the_detail_needs_a_host(self, engine, sessionmaker):
        async with api_client(engine, sessionmaker, token=None) as c:
            assert (await c.get("/api/v1/status")).status_code == 401
        async with sessionmaker() as s, s.begin():
            now = datetime.now(UTC)
            moderator = await create_token(s, role=Role.moderator, name="m", now=now)
        async with api_client(engine, sessionmaker, token=moderator) as c:
            assert (await c.get("/api/v1/status")).status_code == 403

    async def test_a_schema_behind_head_is_not_ready(self, client):
        client.app.state.schema_head = "9999"
        r = await client.get("/readyz")
        assert r.status_code == 503 and r.json() == {"status": "not ready"}
        detail = (await client.get("/api/v1/status")).json()
        assert "run `liveq migrate`" in detail["schema"]
