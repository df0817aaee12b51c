"""Logging set-up with a last line of defence: secrets are redacted from every line.

Two nets: the secrets this process knows (the admin token, the bot token, the API key) are
replaced wherever they appear, and anything shaped like a token is replaced too (a liveq API
token, a Telegram bot token, a Google API key, a bearer header, a secret-looking query
parameter such as `?token=…` in an access-log line), whether or not this process knows it.
"""

from __future__ import annotations

import logging
import re
import sys

_SECRETS: set[str] = set()
MASK = "[REDACTED]"

_SHAPES = [
    # liveq API tokens: "lq_" + urlsafe base64.
    (re.compile(r"\blq_[A-Za-z0-9_-]{6,}"), "lq_" + MASK),
    # Telegram bot tokens: "<bot id>:<35 urlsafe characters>" (also inside ".../bot<token>/").
    (re.compile(r"\d{5,}:[A-Za-z0-9_-]{30,}"), MASK),
    # Google API keys.
    (re.compile(r"AIza[0-9A-Za-z_-]{20,}"), MASK),
    # Authorization headers, however they were printed.
    (re.compile(r"(?i)\b(bearer|basic)(\s+|%20|\+)[^\s,;'\"&]+"), r"\1\2" + MASK),
    # Query or form parameters that carry secrets (access logs print the query string).
    (
        re.compile(
            r"(?i)\b([\w.-]*(?:token|key|secret|password|session|signature|csrf)=)"
            r"[^&\s'\"#;]+"
        ),
        r"\1" + MASK,
    ),
]


def register_secret(value: str | None) -> None:
    """Never let `value` reach a log line, whatever logger prints it."""
    if value and len(value) >= 8:
        _SECRETS.add(value)


def redact(text: str) -> str:
    """`text` with every registered secret and every token-shaped string masked."""
    for secret in _SECRETS:
        if secret in text:
            text = text.replace(secret, MASK)
    for shape, replacement in _SHAPES:
        text = shape.sub(replacement, text)
    return text


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string is the logging module's to report
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def configure(level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs every request URL at INFO, and the Bot API puts the token in the URL.
    for noisy in ("httpx", "httpcore", "googleapiclient.discovery", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
