"""A page, not JSON, when a person's browser asks for something that does not exist."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.exceptions import HTTPException

from app.events.service import NotFound
from intake.ingest import EventNotFound


def _wants_page(request: Request) -> bool:
    return not request.url.path.startswith("/api/") and "text/html" in request.headers.get(
        "accept", ""
    )


def install(app: FastAPI) -> None:
    """404s as a page for browsers (pages only: the API keeps answering JSON)."""
    from app.dashboard.router import templates

    def page(request: Request, message: str) -> HTMLResponse:
        response = templates.TemplateResponse(
            request, "404.html", {"message": message, "user": None, "csrf": None}, 404
        )
        response.headers["Cache-Control"] = "no-store"
        return response

    async def not_found(request: Request, exc: Exception) -> Response:
        if _wants_page(request):
            return page(request, "There is no such event, or it was deleted.")
        message = str(exc) if isinstance(exc, NotFound) else f"event {exc} not found"
        return JSONResponse({"detail": message}, status_code=404)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        if exc.status_code == 404 and _wants_page(request):
            return page(request, "There is no page at this address.")
        return await http_exception_handler(request, exc)

    app.add_exception_handler(NotFound, not_found)
    app.add_exception_handler(EventNotFound, not_found)
    app.add_exception_handler(HTTPException, http_error)
