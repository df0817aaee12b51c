"""Every token shape is redacted from log lines, access-log query strings included."""

from __future__ import annotations

import io
import logging

import pytest

from kit import logs


@pytest.fixture
def captured():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(logs.RedactingFilter())
    logger = logging.getLogger("liveq.test.redaction")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    yield logger, stream
    logger.removeHandler(handler)


API_TOKEN = "lq_Qx3v9aR0bT-kw_8HnZ2mPq4sLr6uYc1eJd7fGh5iKo0"
BOT_TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw4"
YT_KEY = "AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY"
ADMIN = "the-admin-token-of-this-service"


class TestRedaction:
    def test_an_access_log_line_loses_its_query_string_secrets(self, captured):
        logger, stream = captured
        # uvicorn's access-log call, as it makes it.
        logger.info(
            '%s - "%s %s HTTP/%s" %d',
            "127.0.0.1:5555",
            "GET",
            f"/api/v1/events/1/stream?token={API_TOKEN}&after=3&access_token=x9y8&key={YT_KEY}",
            "1.1",
            200,
        )
        line = stream.getvalue()
        assert API_TOKEN not in line and YT_KEY not in line and "x9y8" not in line
        assert "after=3" in line and "/api/v1/events/1/stream?" in line

    def test_every_token_shape_whether_known_or_not(self, captured):
        logger, stream = captured
        logs.register_secret(ADMIN)
        logger.warning(
            "calls: bearer %s, Authorization: Bearer %s, url https://api.telegram.org/bot%s/getMe,"
            " key %s, cookie liveq_session=abc123def",
            API_TOKEN[:20],
            ADMIN,
            BOT_TOKEN,
            YT_KEY,
        )
        line = stream.getvalue()
        for secret in (API_TOKEN[:20], ADMIN, BOT_TOKEN, YT_KEY, "abc123def"):
            assert secret not in line, secret
        assert line.count("[REDACTED]") >= 5

    def test_tracebacks_are_redacted_and_plain_text_is_left_alone(self, captured):
        logger, stream = captured
        try:
            raise RuntimeError(f"refused {API_TOKEN}")
        except RuntimeError:
            logger.exception("Why is the budget late? Ask at 12:30 (room 4:2)")
        text = stream.getvalue()
        assert API_TOKEN not in text and "RuntimeError: refused lq_[REDACTED]" in text
        assert "Why is the budget late? Ask at 12:30 (room 4:2)" in text
