"""The token cache: one query per token per ttl, refusals cached, revocation seen at once."""

from __future__ import annotations

import asyncio
import secrets
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, select, update

from app.auth.principals import Throttled, TokenCheck
from app.auth.throttle import FailureThrottle
from app.auth.tokens import create_token, hash_token
from models import ApiToken, Role
from tests.api_client import ADMIN, api_client


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 1, 18, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def lookups(engine):
    seen: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        if "FROM api_tokens" in statement:
            seen.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    yield seen
    event.remove(engine.sync_engine, "before_cursor_execute", count)


async def _token(sessionmaker, role=Role.host, now=None):
    async with sessionmaker() as s, s.begin():
        return await create_token(s, role=role, name="t", now=now or datetime.now(UTC))


class TestTokenCheck:
    async def test_concurrent_checks_of_one_token_share_one_query(self, sessionmaker, lookups):
        check = TokenCheck()
        token = await _token(sessionmaker)
        found = await asyncio.gather(
            *(check.sign_in(sessionmaker, token=token, address="a") for _ in range(30))
        )
        assert len({p.actor for p in found}) == 1 and found[0].role == Role.host
        assert len(lookups) == 1

    async def test_answers_last_the_ttl_then_the_table_is_asked_again(self, sessionmaker, lookups):
        clock = Clock()
        check = TokenCheck(clock=clock, ttl=timedelta(seconds=10))
        token = await _token(sessionmaker, now=clock())
        assert await check.sign_in(sessionmaker, token=token, address="a") is not None
        async with sessionmaker() as s, s.begin():
            await s.execute(update(ApiToken).values(revoked=True))
        clock.now += timedelta(seconds=9)
        assert await check.sign_in(sessionmaker, token=token, address="a") is not None
        clock.now += timedelta(seconds=1)
        assert await check.sign_in(sessionmaker, token=token, address="a") is None
        assert len(lookups) == 2

    async def test_forget_is_seen_at_once(self, sessionmaker):
        check = TokenCheck()
        token = await _token(sessionmaker)
        assert await check.sign_in(sessionmaker, token=token, address="a") is not None
        async with sessionmaker() as s, s.begin():
            await s.execute(update(ApiToken).values(revoked=True))
        check.forget(hash_token(token))
        assert await check.sign_in(sessionmaker, token=token, address="a") is None

    async def test_last_used_is_written_at_most_once_a_minute(self, sessionmaker):
        clock = Clock()
        check = TokenCheck(clock=clock, ttl=timedelta(seconds=1))
        token = await _token(sessionmaker, now=clock())

        async def last_used():
            async with sessionmaker() as s:
                return await s.scalar(select(ApiToken.last_used_at))

        await check.sign_in(sessionmaker, token=token, address="a")
        first = await last_used()
        assert first == clock.now
        for _ in range(5):
            clock.now += timedelta(seconds=5)
            await check.sign_in(sessionmaker, token=token, address="a")
        assert await last_used() == first
        clock.now += timedelta(seconds=40)
        await check.sign_in(sessionmaker, token=token, address="a")
        assert await last_used() == clock.now

    async def test_failures_throttle_the_address_but_not_a_known_good_token(
        self, sessionmaker, lookups
    ):
        clock = Clock()
        check = TokenCheck(clock=clock, throttle=FailureThrottle(limit=3, clock=clock))
        good = await _token(sessionmaker)
        assert await check.sign_in(sessionmaker, token=good, address="a") is not None
        for i in range(3):
            assert await check.sign_in(sessionmaker, token=f"lq_bad{i}", address="a") is None
        before = len(lookups)
        with pytest.raises(Throttled) as refused:
            await check.sign_in(sessionmaker, token="lq_bad4", address="a")
        assert refused.value.retry_after == 60
        assert len(lookups) == before  # a throttled attempt costs no query
        assert await check.sign_in(sessionmaker, token=good, address="a") is not None
        assert await check.sign_in(sessionmaker, token="lq_bad5", address="b") is None
        clock.now += timedelta(seconds=60)
        assert await check.sign_in(sessionmaker, token="lq_bad4", address="a") is None

    async def test_a_good_token_outlives_its_cache_entry_under_a_throttle(self, sessionmaker):
        """Others' failures from the same address do not lock out a token seen good lately;
        it is still asked about again, so a revocation since is seen."""
        clock = Clock()
        check = TokenCheck(clock=clock, throttle=FailureThrottle(limit=2, clock=clock))
        good = await _token(sessionmaker)
        assert await check.sign_in(sessionmaker, token=good, address="nat") is not None
        for i in range(2):
            await check.sign_in(sessionmaker, token="lq_" + "x" * 42 + str(i), address="nat")
        clock.now += check.ttl  # what was cached of the good token has expired
        assert await check.sign_in(sessionmaker, token=good, address="nat") is not None
        with pytest.raises(Throttled):
            await check.sign_in(sessionmaker, token="lq_" + "y" * 43, address="nat")
        async with sessionmaker() as s, s.begin():
            await s.execute(update(ApiToken).values(revoked=True))
        clock.now += check.ttl
        assert await check.sign_in(sessionmaker, token=good, address="nat") is None
        clock.now += check.ttl  # revoked, it is one more failure from a throttled address
        with pytest.raises(Throttled):
            await check.sign_in(sessionmaker, token=good, address="nat")

    async def test_a_flood_of_made_up_tokens_stays_bounded(self, sessionmaker):
        check = TokenCheck(size=50, throttle=FailureThrottle(limit=10**6))
        for _ in range(300):
            token = "lq_" + secrets.token_urlsafe(32)
            assert await check.sign_in(sessionmaker, token=token, address="a") is None
        assert len(check._cache) == 50

    async def test_a_token_no_one_could_have_issued_costs_no_query(self, sessionmaker, lookups):
        check = TokenCheck(throttle=FailureThrottle(limit=10**6))
        for token in ("x", "lq_short", "lq_" + "a" * 44, "Basic abc", "\x00" * 5000, "é" * 43):
            assert await check.sign_in(sessionmaker, token=token, address="a") is None
        assert lookups == []


class TestThrottledOverHttp:
    async def test_bearer_failures_get_429_with_retry_after(self, engine, sessionmaker):
        async with api_client(engine, sessionmaker, token=None) as c:
            c.app.state.tokens.throttle.limit = 5
            codes = []
            for i in range(8):
                r = await c.get("/api/v1/events", headers={"Authorization": f"Bearer lq_no{i}"})
                codes.append(r.status_code)
            assert codes == [401] * 5 + [429] * 3
            assert int(r.headers["retry-after"]) > 0 and "too many" in r.json()["detail"]
            # The admin token is never held up.
            ok = await c.get("/api/v1/events", headers={"Authorization": "Bearer " + ADMIN})
            assert ok.status_code == 200

    async def test_dashboard_sign_in_failures_get_429(self, engine, sessionmaker):
        from tests.app.dashboard.conftest import browser_client

        async with browser_client(engine, sessionmaker) as c:
            c.app.state.tokens.throttle.limit = 2
            codes = []
            for i in range(3):
                page = await c.get("/signin")
                nonce = page.text.split('name="csrf" value="')[1].split('"')[0]
                r = await c.post("/signin", data={"token": f"wrong{i}", "csrf": nonce})
                codes.append(r.status_code)
            assert codes == [401, 401, 429]
            assert "Too many failed sign-ins" in r.text and int(r.headers["retry-after"]) > 0
