"""Acknowledgements: the bot's "got it" to messages that became questions, paced to Telegram's
limits (a burst over them is dropped rather than spam the group)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from telegram import ReplyParameters
from telegram.error import TelegramError

if TYPE_CHECKING:
    from collectors.telegram.run import TelegramCollector

log = logging.getLogger("collectors.telegram.run")

_GROUPS = {"group", "supergroup"}


async def send_acks(self: TelegramCollector) -> None:
    """Say "got it" to each message that became a question, within Telegram's limits."""
    while True:
        ack = await self._acks.get()
        bot = self._bot
        if bot is None or not self.limiter.try_acquire(ack.chat_id, group=ack.chat_type in _GROUPS):
            # Over Telegram's limits a burst of "got it" would be spam anyway: skip it.
            self._counts["acks_dropped"] += 1
            await self._notify()
            continue
        try:
            await bot.send_message(
                ack.chat_id,
                self.settings.telegram_ack_text,
                message_thread_id=ack.thread_id,
                reply_parameters=ReplyParameters(ack.message_id, allow_sending_without_reply=True),
            )
            self._counts["acks_sent"] += 1
        except TelegramError as exc:
            self._counts["acks_dropped"] += 1
            log.info(
                "telegram: acknowledgement to %s not sent: %s",
                ack.chat_id,
                self.redact(str(exc)),
            )
        await self._notify()
