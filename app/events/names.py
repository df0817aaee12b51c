"""Who may reveal askers' names: hosts and admins; moderators when the event allows; viewers never.

Every route that can show a name (the queue, one question, similar questions, the live stream,
every export) asks `reveal_names` before it shows one.
"""

from __future__ import annotations

from typing import Literal

from fastapi import HTTPException, status

from app.auth.tokens import HOSTING, Principal
from models import Event, Role

Authors = Literal["none", "names"]


def may_see_names(role: Role, event: Event) -> bool:
    """Whether a caller of this role may reveal the askers' names of this event."""
    if role in HOSTING:
        return True
    return role is Role.moderator and bool(event.moderators_see_names)


def reveal_names(user: Principal, event: Event, authors: Authors) -> bool:
    """True when the caller asked for names and may see them; 403 when they may not."""
    if authors != "names":
        return False
    if may_see_names(user.role, event):
        return True
    if user.role is Role.moderator:
        reason = (
            f"moderators may not see askers' names in event {event.id}: its host has not "
            "turned on moderators_see_names"
        )
    else:
        reason = f"role {user.role.value} may not see askers' names; ask with authors=none"
    raise HTTPException(status.HTTP_403_FORBIDDEN, reason)
