"""The Telegram collector's settings, read from LIVEQ_* environment variables."""

from __future__ import annotations

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class TelegramSettings(BaseSettings):
    """Bot token, API address, and how updates arrive (long polling or a webhook)."""

    model_config = SettingsConfigDict(env_prefix="LIVEQ_", extra="ignore")

    telegram_bot_token: SecretStr | None = None
    telegram_api_url: str = "https://api.telegram.org/bot"
    # Set to receive updates by webhook instead of long polling (the public HTTPS address of
    # POST /telegram/webhook).
    telegram_webhook_url: str | None = None
    # The secret Telegram echoes in X-Telegram-Bot-Api-Secret-Token; a random one is made at
    # start when unset.
    telegram_webhook_secret: SecretStr | None = None
    telegram_poll_timeout: int = Field(default=25, ge=0, le=50)
    telegram_poll_limit: int = Field(default=100, ge=1, le=100)
    telegram_ack_text: str = "Got it — your question is in the queue"
    # Backoff after network errors and 5xx: doubled each time, with jitter, up to the maximum.
    telegram_backoff_initial: float = Field(default=1.0, gt=0)
    telegram_backoff_max: float = Field(default=60.0, gt=0)

    @field_validator("telegram_webhook_secret")
    @classmethod
    def _telegram_charset(cls, value: SecretStr | None) -> SecretStr | None:
        # Telegram accepts 1-256 characters from A-Z, a-z, 0-9, _ and -.
        if value is not None:
            raw = value.get_secret_value()
            if not (0 < len(raw) <= 256 and raw.replace("_", "").replace("-", "").isalnum()):
                raise ValueError("must be 1-256 characters of A-Z, a-z, 0-9, _ or -")
        return value

    @property
    def token(self) -> str | None:
        return self.telegram_bot_token.get_secret_value() if self.telegram_bot_token else None
