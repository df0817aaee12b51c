"""/ask/{slug}: the public submission page. Plain HTML forms: no sign-in, no JavaScript."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from app.ask import service
from app.ask.repository import AskPage, ask_page
from app.auth.sessions import is_https
from app.deps import IntakeDep, SessionDep, SettingsDep
from intake.asks import Outcome

log = logging.getLogger("liveq.ask")
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
router = APIRouter(prefix="/ask", include_in_schema=False)
COOKIE = "liveq_ask"


def _limiter(request: Request) -> tuple[service.AskSettings, service.RateLimiter]:
    state = request.app.state
    if getattr(state, "ask_limiter", None) is None:
        settings = service.AskSettings()
        state.ask_settings = settings
        state.ask_limiter = service.RateLimiter(
            settings.rate_count, timedelta(seconds=settings.rate_window_seconds)
        )
    return state.ask_settings, state.ask_limiter


def _render(
    request: Request, template: str, *, status_code: int = 200, **context: Any
) -> HTMLResponse:
    response = templates.TemplateResponse(request, template, context, status_code=status_code)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "same-origin"
    return response


def _form(
    request: Request,
    api: Any,
    page: AskPage,
    *,
    error: str | None = None,
    question: str = "",
    name: str = "",
    status_code: int = 200,
) -> HTMLResponse:
    settings, _ = _limiter(request)
    # One CSRF value per browser (kept while valid, so two tabs both work); one form id per
    # rendering, which makes a resent form a no-op.
    csrf = request.cookies.get(COOKIE) or service.new_form_token()
    response = _render(
        request,
        "ask.html",
        page=page,
        csrf=csrf,
        form_id=service.new_form_token(),
        error=error,
        question=question,
        name=name,
        max_text=service.MAX_TEXT,
        max_name=service.MAX_NAME,
        status_code=status_code,
    )
    secure = api.cookie_secure if api.cookie_secure is not None else is_https(request)
    response.set_cookie(
        COOKIE,
        csrf,
        max_age=settings.form_seconds,
        path="/ask/",
        httponly=True,
        samesite="strict",
        secure=secure,
    )
    return response


def _closed(request: Request, page: AskPage | None) -> HTMLResponse:
    if page is None:  # off by default: no page, and no sign of an event behind the slug
        return _render(request, "ask_closed.html", page=None, status_code=404)
    return _render(request, "ask_closed.html", page=page, status_code=410)


@router.get("/{slug}")
async def ask_form(
    slug: str, request: Request, session: SessionDep, intake: IntakeDep, api: SettingsDep
) -> Response:
    page = await ask_page(session, slug=slug[:80])
    if page is None or not service.is_open(page, intake.clock()):
        return _closed(request, page)
    return _form(request, api, page)


@router.get("/{slug}/sent")
async def ask_sent(slug: str, request: Request, session: SessionDep) -> Response:
    page = await ask_page(session, slug=slug[:80])
    if page is None:
        return _closed(request, None)
    return _render(request, "ask_sent.html", page=page)


@router.post("/{slug}")
async def ask_submit(
    slug: str, request: Request, session: SessionDep, intake: IntakeDep, api: SettingsDep
) -> Response:
    now = intake.clock()
    page = await ask_page(session, slug=slug[:80])
    if page is None or not service.is_open(page, now):
        return _closed(request, page)
    if not _same_site(request):
        return _render(request, "ask_refused.html", page=page, status_code=403)
    fields = await _read_form(request)
    if fields is None:
        return _form(
            request,
            api,
            page,
            error="That was more than a question: please shorten it.",
            status_code=413,
        )
    question, name = fields.get("question", ""), fields.get("name", "")
    if not service.same_token(request.cookies.get(COOKIE), fields.get("csrf")):
        # No cookie or another one: a stale page, cookies off, or a post from elsewhere.
        return _form(
            request,
            api,
            page,
            error="This form had expired. Your question is still here: please send it again.",
            question=question[: service.MAX_TEXT],
            name=name[: service.MAX_NAME],
            status_code=400,
        )
    sent = RedirectResponse(f"/ask/{page.slug}/sent", status.HTTP_303_SEE_OTHER)
    if fields.get("website"):
        log.info("submission page %s: the honeypot field was filled; nothing taken", page.slug)
        return sent  # a bot learns nothing from the answer
    try:
        question, author = service.clean_submission(question, name)
    except service.Problem as problem:
        return _form(
            request,
            api,
            page,
            error=str(problem),
            question=question[: service.MAX_TEXT],
            name=name[: service.MAX_NAME],
            status_code=422,
        )
    form_id = fields.get("form_id", "")
    if not (8 <= len(form_id) <= 64 and form_id.replace("-", "").replace("_", "").isalnum()):
        form_id = service.new_form_token()
    _, limiter = _limiter(request)
    address = request.client.host if request.client else "unknown"
    wait = limiter.retry_after(address, now)
    if wait is not None:
        minutes = max(1, round(wait / 60))
        response = _render(request, "ask_limited.html", page=page, minutes=minutes, status_code=429)
        response.headers["Retry-After"] = str(int(wait))
        return response
    outcome = await service.submit(
        session,
        intake=intake,
        page=page,
        token=form_id,
        question=question,
        name=author,
        now=now,
    )
    if outcome is Outcome.rejected:
        return _form(request, api, page, error="That question could not be taken.", status_code=422)
    return sent


def _same_site(request: Request) -> bool:
    """Refuse posts a browser marks as coming from another site."""
    if request.headers.get("sec-fetch-site") == "cross-site":
        return False
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return origin is None
    host = request.headers.get("host", "")
    return origin.split("://", 1)[-1] == host


async def _read_form(request: Request) -> dict[str, str] | None:
    """The urlencoded form, read up to MAX_BODY bytes; None when it is larger."""
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > service.MAX_BODY:
            return None
    parsed = parse_qs(body.decode("utf-8", "replace"), max_num_fields=10)
    return {key: values[0] for key, values in parsed.items() if values}
