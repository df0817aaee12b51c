"""Talking to the Bot API: getUpdates unparsed, the back-off between failures, and what an error
answer means (python-telegram-bot does the HTTP)."""

from __future__ import annotations

import random
import warnings
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from telegram import Bot
from telegram.error import Conflict, RetryAfter
from telegram.warnings import PTBDeprecationWarning

ALLOWED_UPDATES = (
    "message",
    "edited_message",
    "channel_post",
    "edited_channel_post",
    "message_reaction",
    "message_reaction_count",
    # The bot was added to (or removed from) a chat: remembered before anyone speaks there.
    "my_chat_member",
)
PRIVACY_WARNING = (
    "privacy mode is on: in groups the bot only sees commands and replies to it. Turn it off "
    "with @BotFather (/setprivacy → Disable) or make the bot an admin, then remove the bot from "
    "the group and add it again (Telegram applies the change on re-joining)."
)


class PollingBot(Bot):
    async def raw_updates(
        self, *, offset: int | None, limit: int, poll_seconds: int, allowed_updates: tuple[str, ...]
    ) -> list[dict[str, Any]]:
        """getUpdates, unparsed."""
        # Bot.get_updates parses the whole batch at once: one malformed update would block the
        # queue for good. The raw list lets the collector skip just that one.
        result = await self._post(
            "getUpdates",
            {
                "offset": offset,
                "limit": limit,
                "timeout": poll_seconds,
                "allowed_updates": list(allowed_updates),
            },
            read_timeout=poll_seconds + 10,
        )
        return list(result)


class Backoff:
    """Exponential delays with jitter: initial, 2×, 4× … up to maximum, each scaled by 0.5–1."""

    def __init__(
        self, initial: float, maximum: float, jitter: Callable[[], float] = random.random
    ) -> None:
        self.initial, self.maximum, self.jitter = initial, maximum, jitter
        self.failures = 0

    def next(self) -> float:
        delay = min(self.maximum, self.initial * 2**self.failures)
        self.failures += 1
        return delay * (0.5 + self.jitter() / 2)

    def reset(self) -> None:
        self.failures = 0


def conflict_reason(exc: Conflict) -> str:
    if "webhook" in exc.message.lower():
        return (
            "409 Conflict: a webhook is set for this bot, so getUpdates is refused; delete "
            "it (deleteWebhook) or set LIVEQ_TELEGRAM_WEBHOOK_URL to use webhook mode"
        )
    return (
        "409 Conflict: another program is polling getUpdates with this bot token; only one "
        "may run at a time"
    )


def retry_after(exc: RetryAfter) -> float:
    with warnings.catch_warnings():
        # PTB 22 warns that retry_after becomes a timedelta in v23: both are handled here.
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value: int | timedelta = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
