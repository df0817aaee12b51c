"""API tokens and dashboard sessions (both stored hashed), and the instance's own secret."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base
from models.event import _enum


class Role(enum.StrEnum):
    admin = "admin"
    host = "host"
    moderator = "moderator"
    viewer = "viewer"


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[Role] = mapped_column(_enum(Role, "role"))
    # sha256 of the token: a leaked database does not leak working tokens.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


class DashboardSession(Base):
    """One signed-in browser, kept in the database so a restart or a second worker keeps it."""

    __tablename__ = "web_sessions"

    # sha256 of the cookie's random id: a leaked database does not leak live cookies.
    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    # "token:<id>:<name>", the name up to 120 characters.
    actor: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(_enum(Role, "role"))
    # The API token signed in with; None for the admin token (from the environment).
    token_hash: Mapped[str | None] = mapped_column(String(64))
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)
    # When the token was last found unrevoked.
    checked_at: Mapped[datetime]


class InstanceSecret(Base):
    """One row: the key that turns platform user ids into pseudonymous author keys."""

    __tablename__ = "instance_secrets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pseudonym_key: Mapped[str] = mapped_column(String(64))
