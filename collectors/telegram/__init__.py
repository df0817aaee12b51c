"""The Telegram collector: python-telegram-bot's Bot polling (or a webhook) into the queue."""
