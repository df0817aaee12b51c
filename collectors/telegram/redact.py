"""Keep the bot token out of every log line: it is part of each request URL, and httpx logs
URLs at INFO (python-telegram-bot logs its base URL at DEBUG)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

_REDACTED = "<telegram-token>"


class TokenRedaction:
    """A log record factory wrapper: any record mentioning the token has it replaced.

    A factory, not a handler filter, because it sees records of every logger (httpx, httpcore,
    telegram.*) whatever handlers the process configured.
    """

    def __init__(self, token: str) -> None:
        self.token = token
        self.active = False
        self._previous: Callable[..., logging.LogRecord] | None = None
        self._formatter = logging.Formatter()

    def install(self) -> None:
        if self.active or not self.token:
            return
        self._previous = logging.getLogRecordFactory()
        logging.setLogRecordFactory(self._make)
        self.active = True

    def uninstall(self) -> None:
        if not self.active:
            return
        self.active = False
        # Only unhook if nobody wrapped us since; otherwise stay in the chain, inactive.
        if logging.getLogRecordFactory() == self._make and self._previous is not None:
            logging.setLogRecordFactory(self._previous)

    def _make(self, *args: Any, **kwargs: Any) -> logging.LogRecord:
        assert self._previous is not None
        record = self._previous(*args, **kwargs)
        if self.active:
            self.scrub(record)
        return record

    def scrub(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: leave it to logging to report
            return
        if self.token in message:
            record.msg, record.args = message.replace(self.token, _REDACTED), None
        if record.exc_info and record.exc_info[0] is not None:
            text = self._formatter.formatException(record.exc_info)
            if self.token in text:
                record.exc_text = text.replace(self.token, _REDACTED)

    def __call__(self, text: str) -> str:
        """Redact a string (an exception message put in status())."""
        return text.replace(self.token, _REDACTED) if self.token else text
