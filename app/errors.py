"""The API's error answers: one schema for every 4xx, and 422s that echo only a short excerpt.

FastAPI's own 422 echoes the whole invalid input (a 100 MB body came back whole) and fails to
encode a lone surrogate (a 500). Here the input is cut to an excerpt and made encodable, and
every other string an error carries (field names taken from the input, messages quoting it) is
bounded the same way.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.routing import Match

EXCERPT = 80  # characters of invalid input echoed back
MESSAGE = 300  # characters of a message (some quote the input)


class ErrorItem(BaseModel):
    loc: list[str | int] = Field(description="where: body, query, path or header, then the field")
    msg: str
    type: str
    input: Any = Field(default=None, description="a short excerpt of the invalid input")
    ctx: dict[str, Any] | None = None


class ErrorOut(BaseModel):
    """Every 4xx answer: `detail` is a sentence, or a list naming each invalid field."""

    detail: str | list[ErrorItem]
    limit: int | None = Field(default=None, description="with 413: the route's body limit")


def _description(status: int) -> str:
    return {
        400: "Malformed request (a body that is not what the route reads)",
        401: "Missing, invalid or revoked bearer token",
        403: "The caller's role may not do this",
        404: "No such event, question or ask",
        409: "Conflicts with the queue's current state (a stale version, a merged question…)",
        413: "Request body over the route's limit",
        422: "Invalid input: each invalid field is named, with a short excerpt",
    }[status]


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for these error statuses, all with the ErrorOut schema."""
    return {s: {"model": ErrorOut, "description": _description(s)} for s in statuses}


# The answers any authenticated /api/v1 route can give.
API_ERRORS = error_responses(400, 401, 403, 404, 409, 413, 422)


def clean(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, lone surrogates shown as escapes (encodable)."""
    if len(text) > limit:
        text = text[:limit] + f"… ({len(text):,} characters)"
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def excerpt(value: Any) -> Any:
    """A short, JSON-safe stand-in for an invalid input."""
    if value is None or isinstance(value, bool | float):
        return value
    if isinstance(value, int):
        return value if abs(value) < 10**30 else clean(str(value), 40)
    if isinstance(value, str):
        return clean(value, EXCERPT)
    if isinstance(value, bytes):
        return clean(value[: EXCERPT * 4].decode("utf-8", "replace"), EXCERPT)
    try:
        dumped = json.dumps(value, ensure_ascii=False, default=str)
    except (TypeError, ValueError, RecursionError):
        dumped = type(value).__name__
    return clean(dumped, EXCERPT)


def _bounded(value: Any, depth: int = 0) -> Any:
    """Strings in an error's context, bounded and encodable (never the whole input)."""
    if isinstance(value, str):
        return clean(value, MESSAGE)
    if isinstance(value, bool | int | float) or value is None:
        return value
    if depth < 3 and isinstance(value, dict):
        return {clean(str(k), EXCERPT): _bounded(v, depth + 1) for k, v in list(value.items())[:10]}
    if depth < 3 and isinstance(value, list | tuple):
        return [_bounded(v, depth + 1) for v in list(value)[:10]]
    return clean(str(value), MESSAGE)


def describe(error: dict[str, Any]) -> dict[str, Any]:
    """One validation error as the API shows it."""
    item: dict[str, Any] = {
        "loc": [p if isinstance(p, int) else clean(str(p), EXCERPT) for p in error["loc"][:12]],
        "msg": clean(str(error.get("msg", "")), MESSAGE),
        "type": clean(str(error.get("type", "value_error")), EXCERPT),
        "input": excerpt(error.get("input")),
    }
    if error.get("ctx"):
        item["ctx"] = _bounded(error["ctx"])
    return item


async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
    errors = list(exc.errors())
    detail = [describe(e) for e in errors[:20]]
    return JSONResponse({"detail": detail}, status_code=422)


async def method_not_allowed(request: Request, exc: Exception) -> JSONResponse:
    """405 with `Allow` naming every method of the path, not only the first route's."""
    methods: set[str] = set()
    for route in request.app.routes:
        match, _ = route.matches(request.scope)
        if match is not Match.NONE:
            methods |= set(getattr(route, "methods", None) or ())
    allow = ", ".join(sorted(methods))
    return JSONResponse(
        {"detail": f"method {request.method} not allowed here; allowed: {allow}"},
        status_code=405,
        headers={"Allow": allow},
    )
