"""API tokens: created shown once, stored hashed, checked in constant time."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from models import ApiToken, Role

# Roles that may change the queue; viewers only read.
ACTING = frozenset({Role.admin, Role.host, Role.moderator})
HOSTING = frozenset({Role.admin, Role.host})
# The actor of LIVEQ_ADMIN_TOKEN (from the environment, not the tokens table).
ADMIN_ACTOR = "admin"


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: the actor named in the audit trail, and their role."""

    actor: str
    role: Role


# Every issued token is "lq_" and 43 characters of urlsafe base64 (32 random bytes).
_ISSUED = re.compile(r"lq_[A-Za-z0-9_-]{43}")


def could_be_issued(token: str) -> bool:
    """Whether `token` has the shape of a token create_token() made (else: no need to look)."""
    return _ISSUED.fullmatch(token) is not None


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def create_token(session: AsyncSession, *, role: Role, name: str, now: datetime) -> str:
    """A new token (returned once; only its hash is stored)."""
    token = "lq_" + secrets.token_urlsafe(32)
    session.add(
        ApiToken(name=name, role=role, token_hash=hash_token(token), created_at=now, revoked=False)
    )
    await session.flush()
    return token
