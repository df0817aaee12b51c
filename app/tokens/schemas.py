"""What the API tells of a token: never the token, nor its hash."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from models import Role


class TokenOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    role: Role
    created_at: datetime
    last_used_at: datetime | None
    revoked: bool
