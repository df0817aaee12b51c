"""The email collector's settings, read from LIVEQ_EMAIL_* environment variables."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class EmailSettings(BaseSettings):
    """Passwords (never in the database), pacing and limits of the IMAP collector."""

    model_config = SettingsConfigDict(env_prefix="LIVEQ_", extra="ignore")

    # The password of every mailbox without its own line in the secrets file.
    email_password: SecretStr | None = None
    # Lines of `user@host password` (or `user@host = password`); `#` starts a comment.
    email_secrets_file: Path | None = None
    email_poll_seconds: float = Field(default=60.0, gt=0)
    email_timeout_seconds: float = Field(default=30.0, gt=0)
    # Messages fetched per round trip and stored per transaction.
    email_batch: int = Field(default=100, gt=0, le=1000)
    # Only the first bytes of a message's body are fetched: the text comes first, and a
    # 10 MB attachment is never downloaded.
    email_max_body_bytes: int = Field(default=256 * 1024, ge=4096)
    # The IMAP keyword set on taken messages (when the source names no folder to move them to).
    email_flag: str = Field(default="$LiveqTaken", min_length=1, max_length=60)
    # A mail bomb guard: messages taken from one sender per mailbox per hour.
    email_max_per_sender_hour: int = Field(default=20, gt=0)

    @field_validator("email_password")
    @classmethod
    def _not_blank(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().strip():
            return None
        return value

    @field_validator("email_flag")
    @classmethod
    def _atom(cls, value: str) -> str:
        if any(c in value for c in ' (){%*"\\]') or not value.isprintable():
            raise ValueError("must be one IMAP keyword (no spaces, brackets or quotes)")
        return value

    @field_validator("email_secrets_file")
    @classmethod
    def _readable(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_file():
            raise ValueError(f"{value} is not a readable file")
        return value
