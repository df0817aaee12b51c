"""Dashboard pages: sign-in and out, events, an event's queue, presenter view, statistics."""

from __future__ import annotations

import hmac
import secrets
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Form, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from app.auth.principals import Throttled
from app.auth.sessions import (
    COOKIE,
    CSRF_FIELD,
    SIGNIN_COOKIE,
    SessionStore,
    WebSession,
    clear_cookie,
    set_cookie,
)
from app.auth.tokens import ACTING, HOSTING, Principal
from app.dashboard.service import display_name, seen_chats
from app.deps import IntakeDep, SessionDep, SettingsDep, client_address
from app.events.names import may_see_names
from app.events.service import get_event, list_events
from app.fields import EventIdPath
from app.live.stats import GUTTER, chart_bars, event_stats, y_ticks
from models import QuestionMode

HERE = Path(__file__).parent
STATIC = HERE / "static"
templates = Jinja2Templates(directory=HERE / "templates")
templates.env.filters["who"] = display_name

router = APIRouter(include_in_schema=False)


def _signed_in(request: Request) -> tuple[Principal, WebSession] | None:
    principal = getattr(request.state, "principal", None)
    web = getattr(request.state, "web_session", None)
    return (principal, web) if principal is not None and web is not None else None


def _to_signin(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/signin?next={quote(target)}", status.HTTP_303_SEE_OTHER)


def _page(
    request: Request,
    name: str,
    who: tuple[Principal, WebSession],
    *,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    principal, web = who
    response = templates.TemplateResponse(
        request,
        name,
        {
            "user": principal,
            "csrf": web.csrf,
            "can_act": principal.role in ACTING,
            "can_host": principal.role in HOSTING,
            **context,
        },
        status_code=status_code,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _safe_next(target: str | None) -> str:
    # Only paths on this site: never an open redirect.
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return "/events"


def _signin_form(
    request: Request, settings: Any, *, next_: str, error: str | None = None, status_code: int = 200
) -> Response:
    nonce = secrets.token_urlsafe(24)
    response = templates.TemplateResponse(
        request,
        "signin.html",
        {"nonce": nonce, "next": next_, "error": error},
        status_code=status_code,
    )
    response.headers["Cache-Control"] = "no-store"
    set_cookie(response, request, settings, name=SIGNIN_COOKIE, value=nonce, max_age=3600)
    return response


@router.get("/")
async def home() -> RedirectResponse:
    return RedirectResponse("/events", status.HTTP_303_SEE_OTHER)


@router.get("/signin")
async def signin_page(request: Request, settings: SettingsDep, next: str | None = None) -> Response:  # noqa: A002
    return _signin_form(request, settings, next_=_safe_next(next))


@router.post("/signin")
async def signin(
    request: Request,
    settings: SettingsDep,
    token: Annotated[str, Form(max_length=500)],
    csrf: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=500)] = "/events",  # noqa: A002
) -> Response:
    """Trade an API token for a cookie session."""
    expected = request.cookies.get(SIGNIN_COOKIE, "")
    if not expected or not hmac.compare_digest(csrf.encode(), expected.encode()):
        return _signin_form(
            request,
            settings,
            next_=_safe_next(next),
            status_code=403,
            error="The form expired. Please sign in again.",
        )
    store: SessionStore = request.app.state.web_sessions
    try:
        web = await store.sign_in(
            request.app.state.sessionmaker,
            token=token.strip(),
            address=client_address(request),
            replacing=request.cookies.get(COOKIE),
        )
    except Throttled as exc:
        refused = _signin_form(
            request,
            settings,
            next_=_safe_next(next),
            status_code=429,
            error=f"Too many failed sign-ins. Please wait {exc.retry_after} s and try again.",
        )
        refused.headers["Retry-After"] = str(exc.retry_after)
        return refused
    if web is None:
        return _signin_form(
            request,
            settings,
            next_=_safe_next(next),
            status_code=401,
            error="That token is not valid, or it was revoked.",
        )
    response = RedirectResponse(_safe_next(next), status.HTTP_303_SEE_OTHER)
    set_cookie(
        response,
        request,
        settings,
        name=COOKIE,
        value=web.id,
        max_age=int(store.lifetime.total_seconds()),
    )
    clear_cookie(response, request, settings, name=SIGNIN_COOKIE)
    return response


@router.post("/signout")
async def signout(
    request: Request,
    settings: SettingsDep,
    csrf: Annotated[str, Form(alias=CSRF_FIELD, max_length=200)] = "",
) -> Response:
    who = _signed_in(request)
    if who is not None:
        if not who[1].csrf_ok(csrf):
            return HTMLResponse("Sign-out refused: missing or wrong CSRF token.", 403)
        await request.app.state.web_sessions.close(request.app.state.sessionmaker, who[1].id)
    response = RedirectResponse("/signin", status.HTTP_303_SEE_OTHER)
    clear_cookie(response, request, settings, name=COOKIE)
    return response


@router.get("/events")
async def events_page(request: Request, session: SessionDep) -> Response:
    if (who := _signed_in(request)) is None:
        return _to_signin(request)
    return _page(
        request,
        "events.html",
        who,
        events=await list_events(session),
        chats=await seen_chats(session),
        modes=[m.value for m in QuestionMode],
        telegram_configured="telegram" in request.app.state.collectors,
        youtube_configured="youtube" in request.app.state.collectors,
    )


@router.get("/events/{event_id}")
async def queue_page(event_id: EventIdPath, request: Request, session: SessionDep) -> Response:
    if (who := _signed_in(request)) is None:
        return _to_signin(request)
    event = await get_event(session, event_id=event_id)
    # The names switch is shown only to those who may use it.
    see_names = may_see_names(who[0].role, event)
    return _page(request, "queue.html", who, event=event, can_see_names=see_names)


@router.get("/events/{event_id}/present")
async def presenter_page(
    event_id: EventIdPath,
    request: Request,
    session: SessionDep,
    names: bool = False,
    transparent: bool = False,
    layout: Literal["full", "lower"] = "full",
) -> Response:
    """The question on air, large; names only with ?names=1; ?transparent=1 for OBS;
    ?layout=lower for a lower third (the question shrinks to fit either layout)."""
    if (who := _signed_in(request)) is None:
        return _to_signin(request)
    event = await get_event(session, event_id=event_id)
    names = names and may_see_names(who[0].role, event)
    return _page(
        request,
        "present.html",
        who,
        event=event,
        names=names,
        transparent=transparent,
        layout=layout,
    )


@router.get("/events/{event_id}/stats")
async def stats_page(
    event_id: EventIdPath, request: Request, session: SessionDep, intake: IntakeDep
) -> Response:
    if (who := _signed_in(request)) is None:
        return _to_signin(request)
    event = await get_event(session, event_id=event_id)
    stats = await event_stats(session, event=event, now=intake.clock())
    return _page(
        request,
        "stats.html",
        who,
        event=event,
        stats=stats,
        bars=chart_bars(stats),
        ticks=y_ticks(stats),
        gutter=GUTTER,
        chart_width=720,
        chart_height=180,
    )
