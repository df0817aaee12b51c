"""`liveq serve` starts the email collector and redacts every mailbox password."""

from __future__ import annotations

from pathlib import Path

from app.wiring import collector_factories, secrets_to_redact
from kit.settings import ApiSettings


def test_the_email_collector_is_started_and_its_passwords_are_redacted(
    tmp_path: Path, monkeypatch
) -> None:
    secrets = tmp_path / "imap"
    secrets.write_text("a@imap.example.org first-secret-pw\n")
    monkeypatch.setenv("LIVEQ_EMAIL_SECRETS_FILE", str(secrets))
    monkeypatch.setenv("LIVEQ_EMAIL_PASSWORD", "second-secret-pw")
    monkeypatch.delenv("LIVEQ_TELEGRAM_BOT_TOKEN", raising=False)

    def load(factory):  # type: ignore[no-untyped-def]
        return factory()

    assert "email" in collector_factories(load)
    found = secrets_to_redact(ApiSettings(), load)
    assert "first-secret-pw" in found and "second-secret-pw" in found
