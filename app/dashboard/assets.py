"""The dashboard's scripts, styles and images, served under /static."""

from __future__ import annotations

from typing import Any

from fastapi.staticfiles import StaticFiles
from starlette.responses import Response


class RevalidatedStaticFiles(StaticFiles):
    """Every file is asked again on each load (a 304 while it is unchanged): left to its own
    guess, a browser may keep a script from before an upgrade for hours next to another from
    after it, and modules that import each other then break."""

    def file_response(self, *args: Any, **kwargs: Any) -> Response:
        response = super().file_response(*args, **kwargs)
        response.headers["Cache-Control"] = "no-cache"
        return response
