"""Cookie sessions: sign-in, cookie flags, CSRF on every cookie-authenticated write, CSP."""

from datetime import UTC, datetime

from sqlalchemy import update

from app.auth.middleware import CSP
from app.auth.tokens import create_token
from models import ApiToken, Role
from tests.api_client import ADMIN
from tests.app.dashboard.conftest import browser_client, sign_in


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

    async def test_a_revoked_token_ends_its_sessions(self, engine, sessionmaker):
        async with sessionmaker() as s, s.begin():
            token = await create_token(s, role=Role.host, name="t", now=datetime.now(UTC))
        async with browser_client(engine, sessionmaker) as c:
            await sign_in(c, token)
            assert (await c.get("/api/v1/events")).status_code == 200
            async with sessionmaker() as s, s.begin():
                await s.execute(update(ApiToken).values(revoked=True))
            store = c.app.state.web_sessions
            for session in store._sessions.values():
                session.checked_at = datetime(2000, 1, 1, tzinfo=UTC)
            assert (await c.get("/api/v1/events")).status_code == 401


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
