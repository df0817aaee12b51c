"""Database trouble: 503 JSON with Retry-After instead of a 500, and one log line per minute
with a count instead of a traceback per request.

Trouble is what retrying later can cure: the server down, frozen or restarting, a timeout,
a connection lost, a lock held too long. A bad statement or bad data is not trouble; it
stays an error (and a traceback) so that it gets fixed.
"""

from __future__ import annotations

import errno
import logging
import socket
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from kit.clock import Clock, utcnow
from kit.logs import redact

log = logging.getLogger("liveq.database")

RETRY_AFTER = 5
# SQLSTATE classes and codes that a later retry can cure: connection exception, insufficient
# resources, operator intervention (shutdown, statement cancelled), system error; a
# serialization failure, a deadlock, a lock not available.
_TRANSIENT_CLASSES = frozenset({"08", "53", "57", "58"})
_TRANSIENT_CODES = frozenset({"40001", "40P01", "55P03"})
_NETWORK_ERRNOS = frozenset(
    {errno.ECONNREFUSED, errno.ECONNRESET, errno.EHOSTUNREACH, errno.ENETUNREACH, errno.EPIPE}
)


def is_outage(exc: BaseException) -> bool:
    """Whether `exc` means the database is unavailable for now (see the module's docstring)."""
    if isinstance(exc, PoolTimeout | TimeoutError | ConnectionError | socket.gaierror):
        return True
    if isinstance(exc, OSError):
        # asyncio reports a refused connection to several addresses as a plain OSError.
        return exc.errno in _NETWORK_ERRNOS or "Connect call failed" in str(exc)
    if isinstance(exc, DBAPIError) and not isinstance(exc, IntegrityError):
        if exc.connection_invalidated or isinstance(exc, OperationalError | InterfaceError):
            return True
        code = str(getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", "") or "")
        return code[:2] in _TRANSIENT_CLASSES or code in _TRANSIENT_CODES
    return False


def describe(exc: BaseException) -> str:
    """The kind of failure and a short reason: never a statement, its parameters or a text."""
    cause = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    reason = str(cause).splitlines()[0][:160] if str(cause) else ""
    return redact(f"{type(cause).__name__}: {reason}" if reason else type(cause).__name__)


@dataclass
class RepeatedFailures:
    """Logs the first failure of a kind at once, then at most one line per `every`, saying
    how many more there were in between."""

    logger: logging.Logger = log
    every: timedelta = timedelta(minutes=1)
    clock: Clock = utcnow
    _kinds: dict[str, tuple[datetime, int]] = field(default_factory=dict)

    def failed(self, what: str, exc: BaseException) -> None:
        detail = describe(exc)
        kind = f"{what}: {detail.split(':', 1)[0]}"
        now = self.clock()
        seen = self._kinds.get(kind)
        if seen is not None and now - seen[0] < self.every:
            self._kinds[kind] = (seen[0], seen[1] + 1)
            return
        more = f" ({seen[1]} more since {seen[0]:%H:%M:%S})" if seen and seen[1] else ""
        self.logger.warning("%s: %s%s", what, detail, more)
        if len(self._kinds) > 100:  # kinds are few; this only bounds the unexpected
            self._kinds.clear()
        self._kinds[kind] = (now, 0)


def unavailable(message: str = "the database is unavailable; retry shortly") -> JSONResponse:
    return JSONResponse(
        {"detail": message}, status_code=503, headers={"Retry-After": str(RETRY_AFTER)}
    )


def install(app: FastAPI, failures: RepeatedFailures) -> None:
    """Answer database trouble with 503 wherever a route or dependency meets it."""

    async def trouble(request: Request, exc: Exception) -> JSONResponse:
        if not is_outage(exc):
            raise exc  # a real error: a 500 and its traceback, to be fixed
        failures.failed("database unavailable", exc)
        return unavailable()

    for kind in (DBAPIError, PoolTimeout, OSError):
        app.add_exception_handler(kind, trouble)
