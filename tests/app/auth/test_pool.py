"""One request holds one connection at most, and a known token costs no query per request."""

from __future__ import annotations

import asyncio
import secrets
from datetime import UTC, datetime

from sqlalchemy import event

from app.auth.tokens import create_token
from kit.db import make_engine, make_sessionmaker
from models import Role
from tests.api_client import ADMIN, api_client

ROUTES = ("/api/v1/events", "/api/v1/events/{id}/questions", "/api/v1/events/{id}/counts")


async def _tokens(maker, n):
    async with maker() as s, s.begin():
        now = datetime.now(UTC)
        return [await create_token(s, role=Role.viewer, name=f"v{i}", now=now) for i in range(n)]


class TestPool:
    async def test_concurrent_requests_on_a_small_pool_never_deadlock(self, fresh_db):
        # Two connections, no overflow, a short wait: a request that needed a second
        # connection while holding one would time out here (it deadlocked at 15 before).
        engine = make_engine(fresh_db, pool_size=2, max_overflow=0, pool_timeout=3)
        maker = make_sessionmaker(engine)
        try:
            tokens = await _tokens(maker, 4)
            garbage = ["lq_" + secrets.token_urlsafe(32) for _ in range(4)]
            async with api_client(engine, maker, token=None) as c:
                admin = {"Authorization": f"Bearer {ADMIN}"}
                event_id = await c.post("/api/v1/events", json={"title": "t"}, headers=admin)
                event_id = event_id.json()["id"]
                calls = []
                for i in range(60):
                    token = (tokens + garbage + [ADMIN])[i % 9]
                    url = ROUTES[i % 3].format(id=event_id)
                    calls.append(c.get(url, headers={"Authorization": f"Bearer {token}"}))
                answers = await asyncio.gather(*calls)
            by_token: dict[str, set[int]] = {}
            for i, r in enumerate(answers):
                by_token.setdefault((tokens + garbage + [ADMIN])[i % 9], set()).add(r.status_code)
            assert all(r.status_code < 500 for r in answers), [r.status_code for r in answers]
            for t in tokens + [ADMIN]:
                assert by_token[t] == {200}
            for t in garbage:
                assert by_token[t] <= {401, 429}
        finally:
            await engine.dispose()

    async def test_a_known_token_is_checked_once_not_per_request(self, fresh_db):
        engine = make_engine(fresh_db)
        maker = make_sessionmaker(engine)
        lookups = []

        def count(_conn, _cursor, statement, *_args):
            if "FROM api_tokens" in statement:
                lookups.append(statement)

        event.listen(engine.sync_engine, "before_cursor_execute", count)
        try:
            (token,) = await _tokens(maker, 1)
            bad = "lq_" + secrets.token_urlsafe(32)
            async with api_client(engine, maker, token=token) as c:
                for _ in range(20):
                    assert (await c.get("/api/v1/events")).status_code == 200
                    r = await c.get("/api/v1/events", headers={"Authorization": f"Bearer {bad}"})
                    assert r.status_code in (401, 429)
            # One lookup for the good token, one for the bad one (refusals are cached too).
            assert len(lookups) <= 2, lookups
        finally:
            await engine.dispose()
