"""Settings read from LIVEQ_* environment variables, one class per component."""

from __future__ import annotations

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./liveq.db"


class DatabaseSettings(BaseSettings):
    """Where the queue lives."""

    model_config = SettingsConfigDict(env_prefix="LIVEQ_", extra="ignore")

    database_url: str = DEFAULT_DATABASE_URL
    # PostgreSQL only: the schema to use (search_path); tests give each run its own.
    database_schema: str | None = None
    # Nothing waits on the database without limit (seconds): opening a connection, one
    # statement (PostgreSQL cancels it; 0 turns the limit off), waiting for a free connection.
    database_connect_timeout: float = Field(default=5.0, gt=0)
    database_statement_timeout: float = Field(default=30.0, ge=0)
    database_pool_timeout: float = Field(default=30.0, gt=0)

    @field_validator("database_url")
    @classmethod
    def _known_driver(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError(
                "must start with sqlite+aiosqlite:// or postgresql+asyncpg:// "
                f"(got {value.split('://', 1)[0]!r}://…)"
            )
        return value

    @field_validator("database_schema")
    @classmethod
    def _plain_identifier(cls, value: str | None) -> str | None:
        if value is not None and not value.replace("_", "").isalnum():
            raise ValueError("must be a plain identifier (letters, digits, underscores)")
        return value


class ApiSettings(BaseSettings):
    """The HTTP service: authentication and limits."""

    model_config = SettingsConfigDict(env_prefix="LIVEQ_", extra="ignore")

    admin_token: str | None = Field(default=None, repr=False)
    max_import_bytes: int = Field(default=5_000_000, gt=0)
    # Marks the session cookie Secure; on by default whenever the request came over https.
    cookie_secure: bool | None = None
    # Suggest questions alike in meaning (translations too) to merge by hand, beside those
    # alike in words: the bundled sentence encoder, loaded in the background at start (~160 MB
    # more memory, ~5 ms of CPU per new question). If it cannot load, words alone.
    semantic_suggestions: bool = True

    @field_validator("admin_token")
    @classmethod
    def _long_enough(cls, value: str | None) -> str | None:
        if value is not None and len(value) < 16:
            raise ValueError("must be at least 16 characters")
        return value


def describe_error(error: ValidationError) -> str:
    """One line naming each bad setting, for a start-up failure without a traceback."""
    parts = []
    for item in error.errors():
        name = "LIVEQ_" + "_".join(str(p) for p in item["loc"]).upper()
        parts.append(f"{name}: {item['msg']}")
    return "invalid setting " + "; ".join(parts)
