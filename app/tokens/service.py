"""API token rules: list them (never a secret), revoke one by id (its sessions end with it)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.tokens import Principal
from app.events.service import NotFound
from models import ApiToken, DashboardSession, Role


class NotAllowed(PermissionError):
    """The caller's role may not do this."""


async def list_tokens(session: AsyncSession) -> Sequence[ApiToken]:
    """Every token of the table, newest first (the admin token lives in the environment)."""
    return (await session.scalars(select(ApiToken).order_by(ApiToken.id.desc()))).all()


async def revoke_token(session: AsyncSession, *, token_id: int, by: Principal | None) -> ApiToken:
    """Revoke a token and end the dashboard sessions signed in with it; revoking twice is
    harmless. Only an admin (or the command line, `by=None`) may revoke an admin token."""
    token = await session.get(ApiToken, token_id)
    if token is None:
        raise NotFound(f"token {token_id} not found")
    if token.role == Role.admin and by is not None and by.role != Role.admin:
        raise NotAllowed(f"role {by.role.value} may not revoke an admin token")
    token.revoked = True
    await session.execute(
        delete(DashboardSession).where(DashboardSession.token_hash == token.token_hash)
    )
    await session.flush()
    return token
