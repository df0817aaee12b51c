"""Which collectors `liveq serve` starts, from the settings that are present."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kit.settings import ApiSettings


def collector_factories(load: Callable[[Any], Any]) -> dict[str, Any]:
    """A factory per configured collector; one without credentials is not started."""
    from collectors.telegram.settings import TelegramSettings

    factories: dict[str, Any] = {}
    telegram = load(TelegramSettings)
    if telegram.token:
        from collectors.telegram.run import TelegramCollector

        factories["telegram"] = lambda sm, intake: TelegramCollector(telegram, sm, intake)
    # Always on: with no email source it only looks for one each poll, and a source without
    # a password says so on the sources page.
    from collectors.email.settings import EmailSettings

    email = load(EmailSettings)

    def email_collector(sm: Any, intake: Any) -> Any:
        from collectors.email.run import EmailCollector

        return EmailCollector(email, sm, intake)

    factories["email"] = email_collector
    try:
        from collectors.youtube.settings import YoutubeSettings
    except ModuleNotFoundError:  # pragma: no cover - the YouTube collector is optional
        return factories
    youtube = load(YoutubeSettings)
    if youtube.youtube_api_key is not None:
        from collectors.youtube.run import YoutubeCollector

        factories["youtube"] = lambda sm, intake: YoutubeCollector(youtube, sm, intake)
    return factories


def secrets_to_redact(api: ApiSettings, load: Callable[[Any], Any]) -> list[str]:
    """Every configured secret, for the log redaction filter."""
    from collectors.email.mailbox import Passwords
    from collectors.email.settings import EmailSettings
    from collectors.telegram.settings import TelegramSettings

    found = [api.admin_token, load(TelegramSettings).token, *Passwords(load(EmailSettings)).all()]
    try:
        from collectors.youtube.settings import YoutubeSettings

        key = load(YoutubeSettings).youtube_api_key
        found.append(key.get_secret_value() if key is not None else None)
    except ModuleNotFoundError:  # pragma: no cover
        pass
    return [s for s in found if s]
