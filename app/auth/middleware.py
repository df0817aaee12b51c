"""Cookie sessions for the dashboard: resolve the principal, refuse cross-site writes, set CSP."""

from __future__ import annotations

from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import cookie_parser
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.auth.sessions import COOKIE, CSRF_HEADER, SessionStore, WebSession
from app.health.outage import is_outage, unavailable

UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Plain HTML forms: their routes check the CSRF form field themselves.
FORM_PATHS = frozenset({"/signin", "/signout"})
# No inline script or style anywhere: chat text can never become code.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'self'"
)
# FastAPI's interactive docs load their own inline scripts.
_NO_CSP = ("/docs", "/redoc")
# Public, the same for everyone: no session to look up for them.
_PUBLIC = ("/static/", "/healthz", "/readyz", "/ask/")


class WebSessionMiddleware:
    """Pure ASGI (no buffering), so the live stream still streams and sees disconnects."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        send = _security_headers(scope, send)
        headers = Headers(scope=scope)
        session = None
        # A Bearer token wins over a cookie: API clients need no CSRF token.
        if "authorization" not in headers and not scope["path"].startswith(_PUBLIC):
            try:
                session = await _cookie_session(scope, headers)
            except Exception as exc:
                # Out here the app's exception handlers do not apply.
                if not is_outage(exc):
                    raise
                scope["app"].state.db_failures.failed("database unavailable", exc)
                await unavailable()(scope, receive, send)
                return
        if session is not None:
            if (
                scope["method"] in UNSAFE
                and scope["path"] not in FORM_PATHS
                and not (session.csrf_ok(headers.get(CSRF_HEADER)))
            ):
                refusal = JSONResponse(
                    {"detail": "missing or wrong CSRF token: reload the page and retry"},
                    status_code=403,
                )
                await refusal(scope, receive, send)
                return
            state = scope.setdefault("state", {})
            state["principal"] = session.principal
            state["web_session"] = session
        await self.app(scope, receive, send)


async def _cookie_session(scope: Scope, headers: Headers) -> WebSession | None:
    session_id = cookie_parser(headers.get("cookie", "")).get(COOKIE)
    if not session_id:
        return None
    app_state = scope["app"].state
    store: SessionStore = app_state.web_sessions
    return await store.get(app_state.sessionmaker, session_id)


def _security_headers(scope: Scope, send: Send) -> Send:
    csp = not scope["path"].startswith(_NO_CSP)

    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = MutableHeaders(scope=message)
            if csp:
                headers.setdefault("content-security-policy", CSP)
            headers.setdefault("x-content-type-options", "nosniff")
            headers.setdefault("referrer-policy", "same-origin")
        await send(message)

    return wrapped
