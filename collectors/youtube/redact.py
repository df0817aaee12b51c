"""Keep the YouTube API key out of every log record.

The key travels in each request URL, which googleapiclient logs at DEBUG and puts in every
HttpError's text. A filter on a few named loggers would miss child loggers and tracebacks
logged elsewhere, so the scrubbing happens where every record is made: the record factory.
"""

from __future__ import annotations

import logging
import threading
import traceback
from typing import Any

MASK = "***"
_secrets: set[str] = set()
_lock = threading.Lock()
_previous_factory: Any = None


def redact(text: str) -> str:
    """`text` with every registered secret masked."""
    for secret in _secrets:
        if secret in text:
            text = text.replace(secret, MASK)
    return text


def protect(secret: str) -> None:
    """Mask `secret` in every log record from now on (idempotent, process-wide)."""
    global _previous_factory
    if len(secret) < 4:
        return  # too short to mask without mangling ordinary words
    with _lock:
        _secrets.add(secret)
        if _previous_factory is None:
            _previous_factory = logging.getLogRecordFactory()
            logging.setLogRecordFactory(_scrubbing_factory)


def _scrubbing_factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
    record: logging.LogRecord = _previous_factory(*args, **kwargs)
    if _secrets:
        _scrub(record)
    return record


def _scrub(record: logging.LogRecord) -> None:
    try:
        message = record.getMessage()
    except Exception:  # a broken format string is the logging module's to report
        message = str(record.msg)
    if any(secret in message for secret in _secrets):
        record.msg, record.args = redact(message), None
    if record.exc_info and record.exc_info[1] is not None:
        text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
        if any(secret in text for secret in _secrets):
            # Formatters use exc_text as is when it is set.
            record.exc_text = redact(text)
    if record.stack_info and any(secret in record.stack_info for secret in _secrets):
        record.stack_info = redact(record.stack_info)
