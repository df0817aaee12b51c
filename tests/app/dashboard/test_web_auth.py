"""Cookie sessions: sign-in, cookie flags, CSRF on every cookie-authenticated write, CSP."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import event, func, select, text, update

from app.auth.middleware import CSP
from app.auth.sessions import SessionStore
from app.auth.tokens import Principal, create_token, hash_token
from intake.ingest import Intake
from kit.db import make_engine, make_sessionmaker
from models import ApiToken, DashboardSession, Role
from tests.api_client import ADMIN
from tests.app.dashboard.conftest import browser_client, sign_in


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = datetime(2026, 12, 1, 18, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


async def _rows(sessionmaker):
    async with sessionmaker() as s:
        return await s.scalar(select(func.count()).select_from(DashboardSession))


class TestSignIn:
    async def test_pages_redirect_to_sign_in_and_the_api_refuses(self, engine, sessionmaker):
        async with browser_client(engine, sessionmaker) as c:
            r = await c.get("/events/1/present?names=1")
            assert r.status_code == 303
            assert r.headers["location"] == "/signin?next=/events/1/present%3Fnames%3D1"
            assert (await c.get("/api/v1/events")).status_code == 401

    async def test_cookie_is_httponly_strict_and_secure_behind_https(self, engine, sessionmaker):
        async with browser_client(engine, sessionmaker) as c:
            page = await c.get("/signin")
            assert "httponly" in page.headers["set-cookie"].lower()
            import re

            nonce = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
            r = await c.post(
                "/signin",
                data={"token": ADMIN, "csrf": nonce},
                headers={"X-Forwarded-Proto": "https"},
            )
            assert r.status_code == 303 and r.headers["location"] == "/events"
            cookie = next(
                v for v in r.headers.get_list("set-cookie") if v.startswith("liveq_session=")
            )
            flags = {part.strip().lower() for part in cookie.split(";")[1:]}
            assert {"httponly", "secure", "samesite=strict", "path=/"} <= flags
        async with browser_client(engine, sessionmaker) as c:
            await sign_in(c)
            plain = [v for v in c.cookies.jar if v.name == "liveq_session"]
            assert plain and not plain[0].secure  # plain http in development

    async def test_wrong_token_or_missing_form_nonce_is_refused(self, engine, sessionmaker):
        async with browser_client(engine, sessionmaker) as c:
            await c.get("/signin")
            r = await c.post("/signin", data={"token": ADMIN, "csrf": "forged"})
            assert r.status_code == 403 and "liveq_session" not in r.headers.get("set-cookie", "")
            import re

            nonce = re.search(r'name="csrf" value="([^"]+)"', r.text).group(1)
            r = await c.post("/signin", data={"token": "wrong-wrong-wrong-wrong", "csrf": nonce})
            assert r.status_code == 401 and "not valid" in r.text

    async def test_open_redirects_are_refused(self, engine, sessionmaker):
        async with browser_client(engine, sessionmaker) as c:
            page = await c.get("/signin", params={"next": "//evil.example/x"})
            assert 'name="next" value="/events"' in page.text

    async def test_sign_out_ends_the_session(self, web):
        cookie = web.cookies.get("liveq_session")
        r = await web.post("/signout", data={"csrf": web.csrf})
        assert r.status_code == 303 and r.headers["location"] == "/signin"
        web.cookies.set("liveq_session", cookie)  # a copy kept by an attacker is now useless
        assert (await web.get("/api/v1/events")).status_code == 401

    async def test_sign_out_needs_the_csrf_token(self, web):
        assert (await web.post("/signout", data={"csrf": "nope"})).status_code == 403
        assert (await web.get("/api/v1/events")).status_code == 200


class TestStoredSessions:
    async def test_a_session_survives_a_restart(self, fresh_db):
        """A new process (engine, app, store) over the same database still accepts the cookie."""
        engines = [make_engine(fresh_db), make_engine(fresh_db)]
        try:
            first, second = engines
            async with browser_client(first, make_sessionmaker(first)) as before:
                csrf = await sign_in(before)
                cookie = before.cookies.get("liveq_session")
            await first.dispose()
            async with browser_client(second, make_sessionmaker(second)) as after:
                assert (await after.get("/api/v1/events")).status_code == 401
                after.cookies.set("liveq_session", cookie)
                assert (await after.get("/api/v1/events")).status_code == 200
                r = await after.post(
                    "/api/v1/events", json={"title": "t"}, headers={"X-CSRF-Token": csrf}
                )
                assert r.status_code == 201
        finally:
            for engine in engines:
                await engine.dispose()

    async def test_an_admin_session_ends_when_the_admin_token_changes(self, fresh_db):
        """LIVEQ_ADMIN_TOKEN rotated and the service restarted: its old sessions end."""
        engine = make_engine(fresh_db)
        maker = make_sessionmaker(engine)
        try:
            async with browser_client(engine, maker) as before:
                await sign_in(before)
                cookie = before.cookies.get("liveq_session")
            async with browser_client(engine, maker, admin_token=ADMIN) as same:
                same.cookies.set("liveq_session", cookie)
                assert (await same.get("/api/v1/events")).status_code == 200
            rotated = "rotated-admin-token-0123456789"
            async with browser_client(engine, maker, admin_token=rotated) as after:
                after.cookies.set("liveq_session", cookie)
                assert (await after.get("/api/v1/events")).status_code == 401
            assert await _rows(maker) == 0
        finally:
            await engine.dispose()

    async def test_static_files_and_health_need_no_session_lookup(self, web, engine):
        statements: list[str] = []

        def record(_conn, _cursor, statement, *_args):
            statements.append(statement)

        event.listen(engine.sync_engine, "before_cursor_execute", record)
        try:
            assert (await web.get("/static/queue.js")).status_code == 200
            assert (await web.get("/healthz")).status_code == 200
            assert not any("web_sessions" in s for s in statements)
            web.app.state.web_sessions.forget_all()  # what the sign-in cached
            assert (await web.get("/api/v1/events")).status_code == 200
            assert any("web_sessions" in s for s in statements)
        finally:
            event.remove(engine.sync_engine, "before_cursor_execute", record)

    async def test_static_files_are_revalidated_on_every_load(self, web):
        # A script kept from before an upgrade beside one from after it breaks their imports.
        first = await web.get("/static/undo.js")
        assert first.status_code == 200 and "expectUndo" in first.text
        assert first.headers["cache-control"] == "no-cache" and first.headers["etag"]
        again = await web.get("/static/undo.js", headers={"If-None-Match": first.headers["etag"]})
        assert again.status_code == 304 and again.headers["cache-control"] == "no-cache"

    async def test_the_database_holds_no_cookie_in_clear(self, web, sessionmaker):
        cookie = web.cookies.get("liveq_session")
        async with sessionmaker() as s:
            rows = (await s.execute(text("SELECT * FROM web_sessions"))).all()
        assert len(rows) == 1
        assert not any(cookie in str(value) for value in rows[0])
        assert hash_token(cookie) in tuple(rows[0])

    async def test_an_expired_session_is_refused_and_removed(self, engine, sessionmaker):
        clock = Clock()
        async with browser_client(engine, sessionmaker, intake=Intake(clock=clock)) as c:
            await sign_in(c)
            lifetime = c.app.state.web_sessions.lifetime
            clock.now += lifetime - timedelta(seconds=1)
            assert (await c.get("/api/v1/events")).status_code == 200
            clock.now += timedelta(seconds=1)
            assert (await c.get("/api/v1/events")).status_code == 401
            assert (await c.get("/events")).status_code == 303
        assert await _rows(sessionmaker) == 0

    async def test_signing_in_sweeps_expired_sessions_a_few_at_a_time(self, sessionmaker):
        clock = Clock()
        store = SessionStore(clock=clock, sweep=2)
        host = Principal(actor="token:1:host", role=Role.host)
        async with sessionmaker() as s, s.begin():
            held = hash_token(await create_token(s, role=Role.host, name="host", now=clock()))
        old = [await store.open(sessionmaker, host, token_hash=held) for _ in range(3)]
        clock.now += store.lifetime
        assert await _rows(sessionmaker) == 3
        fresh = await store.open(sessionmaker, host, token_hash=held)
        assert await _rows(sessionmaker) == 2  # two of three expired ones swept, one added
        await store.open(sessionmaker, host, token_hash=held)
        assert await _rows(sessionmaker) == 2
        assert [await store.get(sessionmaker, s.id) for s in old] == [None] * 3
        assert (await store.get(sessionmaker, fresh.id)).principal == host

    async def test_sign_out_removes_the_row(self, web, sessionmaker):
        assert await _rows(sessionmaker) == 1
        r = await web.post("/signout", data={"csrf": web.csrf})
        assert r.status_code == 303
        assert await _rows(sessionmaker) == 0

    async def test_signing_in_again_replaces_the_old_session(self, web, sessionmaker):
        old = web.cookies.get("liveq_session")
        await sign_in(web)
        assert web.cookies.get("liveq_session") != old
        assert await _rows(sessionmaker) == 1

    async def test_a_token_revoked_by_another_process_ends_its_sessions_within_the_ttl(
        self, engine, sessionmaker
    ):
        clock = Clock()
        async with sessionmaker() as s, s.begin():
            token = await create_token(s, role=Role.host, name="t", now=clock())
        async with browser_client(engine, sessionmaker, intake=Intake(clock=clock)) as c:
            await sign_in(c, token)
            ttl = c.app.state.tokens.ttl
            clock.now += ttl + timedelta(seconds=1)
            assert (await c.get("/api/v1/events")).status_code == 200  # asked again: valid
            async with sessionmaker() as s, s.begin():
                await s.execute(update(ApiToken).values(revoked=True))
            # This process learns of it when what it knows of the token expires.
            clock.now += ttl - timedelta(seconds=1)
            assert (await c.get("/api/v1/events")).status_code == 200
            clock.now += timedelta(seconds=1)
            assert (await c.get("/api/v1/events")).status_code == 401
        assert await _rows(sessionmaker) == 0

    async def test_the_admin_session_needs_no_recheck(self, engine, sessionmaker):
        clock = Clock()
        async with browser_client(engine, sessionmaker, intake=Intake(clock=clock)) as c:
            await sign_in(c)
            clock.now += timedelta(hours=1)
            assert (await c.get("/api/v1/events")).status_code == 200


class TestCsrf:
    async def test_cookie_writes_need_the_session_csrf_token(self, web):
        body = {"title": "Town hall"}
        assert (await web.post("/api/v1/events", json=body)).status_code == 403
        r = await web.post("/api/v1/events", json=body, headers={"X-CSRF-Token": "forged"})
        assert r.status_code == 403 and "CSRF" in r.text
        r = await web.post("/api/v1/events", json=body, headers={"X-CSRF-Token": web.csrf})
        assert r.status_code == 201
        event_id = r.json()["id"]
        for method, url, data in [
            ("PATCH", f"/api/v1/events/{event_id}", {"status": "ended"}),
            ("POST", f"/api/v1/events/{event_id}/questions", {"text": "Is it safe?"}),
            ("DELETE", f"/api/v1/events/{event_id}", None),
        ]:
            r = await web.request(method, url, json=data)
            assert r.status_code == 403, (method, url)
        r = await web.post(
            f"/api/v1/events/{event_id}/questions",
            json={"text": "Is it safe?"},
            headers={"X-CSRF-Token": web.csrf},
        )
        assert r.status_code == 201

    async def test_reads_need_no_csrf_token(self, web):
        assert (await web.get("/api/v1/events")).status_code == 200

    async def test_bearer_calls_need_no_csrf_token(self, client):
        assert (await client.post("/api/v1/events", json={"title": "t"})).status_code == 201

    async def test_another_sessions_token_does_not_count(self, engine, sessionmaker, web):
        async with browser_client(engine, sessionmaker) as other:
            other_csrf = await sign_in(other)
        r = await web.post(
            "/api/v1/events", json={"title": "t"}, headers={"X-CSRF-Token": other_csrf}
        )
        assert r.status_code == 403


class TestHeaders:
    async def test_every_page_sends_a_csp_without_inline_scripts(self, web):
        r = await web.post(
            "/api/v1/events", json={"title": "t"}, headers={"X-CSRF-Token": web.csrf}
        )
        event_id = r.json()["id"]
        for path in [
            "/signin",
            "/events",
            f"/events/{event_id}",
            f"/events/{event_id}/present",
            f"/events/{event_id}/stats",
            "/static/queue.js",
        ]:
            r = await web.get(path)
            assert r.status_code == 200, path
            assert r.headers["content-security-policy"] == CSP
            assert r.headers["x-content-type-options"] == "nosniff"
        assert "script-src 'self';" in CSP and "unsafe-inline" not in CSP
        assert "style-src 'self';" in CSP

    async def test_pages_carry_no_inline_script_style_or_handlers(self, web):
        import re

        r = await web.post(
            "/api/v1/events", json={"title": "t"}, headers={"X-CSRF-Token": web.csrf}
        )
        event_id = r.json()["id"]
        for path in [
            "/signin",
            "/events",
            f"/events/{event_id}",
            f"/events/{event_id}/present",
            f"/events/{event_id}/stats",
        ]:
            html = (await web.get(path)).text
            assert not re.search(r"<script(?![^>]*\bsrc=)", html), path
            assert not re.search(r"\son[a-z]+\s*=", html), path
            assert "<style" not in html and " style=" not in html, path

    async def test_titles_are_escaped_on_the_server(self, web):
        title = '<script>alert(1)</script>"><img src=x onerror=alert(1)>'
        r = await web.post(
            "/api/v1/events", json={"title": title}, headers={"X-CSRF-Token": web.csrf}
        )
        event_id = r.json()["id"]
        for path in ["/events", f"/events/{event_id}"]:
            html = (await web.get(path)).text
            assert "<script>alert(1)" not in html and "<img src=x" not in html
            assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
