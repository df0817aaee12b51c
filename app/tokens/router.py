"""/api/v1/tokens: hosts and admins list API tokens and revoke them by id."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Request, status

from app.deps import RequireHost, SessionDep, token_check
from app.tokens import service
from app.tokens.schemas import TokenOut

router = APIRouter(prefix="/api/v1/tokens", tags=["tokens"])

TokenId = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.get("", response_model=list[TokenOut])
async def list_tokens(session: SessionDep, _host: RequireHost) -> list[TokenOut]:
    """Every API token, newest first, without its secret."""
    return [TokenOut.model_validate(t) for t in await service.list_tokens(session)]


@router.post("/{token_id}/revoke", response_model=TokenOut)
async def revoke_token(
    token_id: TokenId, request: Request, session: SessionDep, user: RequireHost
) -> TokenOut:
    """Revoke a token: refused from now on, here at once (other processes within seconds),
    and the dashboard sessions signed in with it end."""
    try:
        token = await service.revoke_token(session, token_id=token_id, by=user)
    except service.NotAllowed as exc:
        raise HTTPException(status.HTTP_403_FORBIDDEN, str(exc)) from None
    # Committed before this process forgets what it knew: a check in between would
    # otherwise read the token as valid again and keep that for the cache's lifetime.
    await session.commit()
    token_check(request).forget(token.token_hash)  # its cached sessions ask for the token again
    return TokenOut.model_validate(token)
