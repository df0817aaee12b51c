"""The API key is masked in every log record, including tracebacks."""

from __future__ import annotations

import logging

from collectors.youtube.redact import MASK, protect, redact

SECRET = "AIzaRedactMe-0123456789"


class TestRedact:
    def test_messages_args_and_tracebacks(self, caplog):
        protect(SECRET)
        caplog.set_level(logging.DEBUG)
        log = logging.getLogger("some.library.child")
        log.debug("GET https://example.test/v3/x?key=%s&alt=json", SECRET)
        log.info("preformatted https://example.test/?key=" + SECRET)
        try:
            raise RuntimeError(f"<HttpError 403 when requesting https://x/?key={SECRET}>")
        except RuntimeError:
            log.exception("request failed")
        assert SECRET not in caplog.text
        assert caplog.text.count(MASK) == 3
        assert all(SECRET not in r.getMessage() for r in caplog.records)

    def test_redact_text(self):
        protect(SECRET)
        assert redact(f"a {SECRET} b") == f"a {MASK} b"
