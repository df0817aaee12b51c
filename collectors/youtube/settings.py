"""The YouTube collector's settings, read from LIVEQ_YOUTUBE_* environment variables."""

from __future__ import annotations

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class YoutubeSettings(BaseSettings):
    """API key, endpoint and the quota the collector paces itself against."""

    model_config = SettingsConfigDict(env_prefix="LIVEQ_", extra="ignore")

    youtube_api_key: SecretStr | None = None
    youtube_api_endpoint: str = "https://www.googleapis.com"
    youtube_daily_quota: int = Field(default=10_000, gt=0)
    # How long an event without a planned end is expected to run once the stream is live.
    youtube_default_duration_minutes: int = Field(default=120, gt=0)
    # How often a stream that has not started yet is checked (videos.list costs 1 unit).
    youtube_waiting_check_seconds: float = Field(default=60.0, gt=0)
    # How often live events are rescanned for new or removed YouTube sources: only a safety
    # net, since a change wakes the collector at once (kit/wakeups.py).
    youtube_rescan_seconds: float = Field(default=300.0, gt=0)
    youtube_http_timeout_seconds: float = Field(default=30.0, gt=0)
    youtube_threads: int = Field(default=4, gt=0, le=32)

    @field_validator("youtube_api_endpoint")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("https://", "http://")):
            raise ValueError("must be an http(s):// URL")
        return value.rstrip("/")

    @field_validator("youtube_api_key")
    @classmethod
    def _not_blank(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().strip():
            return None
        return value
