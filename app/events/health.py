"""Each source's health in plain words: what it is doing, why it stopped, and what fixes it.

Pure: the facts (the source's saved state, what its collector reports, when it last brought a
question) go in; a SourceHealth comes out for the dashboard's sources panel.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel

Level = Literal["ok", "waiting", "problem", "ended"]

NO_YOUTUBE_KEY = "No YouTube API key"
SET_YOUTUBE_KEY = "Set LIVEQ_YOUTUBE_API_KEY (a YouTube Data API v3 key) and restart liveq."
NO_BOT_TOKEN = "No Telegram bot token"
SET_BOT_TOKEN = (
    "Create a bot with @BotFather, set LIVEQ_TELEGRAM_BOT_TOKEN to its token and restart liveq."
)

# What fixes a YouTube source that stopped, by a phrase of its reason (first match wins).
_YOUTUBE_FIXES = (
    ("not found", "Check the video link in the event: a typo, or a private or deleted video."),
    ("not a live stream", "Use the link of a live stream (or a scheduled one), not a video."),
    ("api key is not valid", "Put a valid key in LIVEQ_YOUTUBE_API_KEY and restart liveq."),
    (
        "not enabled",
        "Enable \u201cYouTube Data API v3\u201d for the key's project in the Google Cloud console.",
    ),
    ("restrictions", "Allow this server in the API key's restrictions (Google Cloud console)."),
    ("quota", "Wait for the reset (reading resumes by itself), or ask Google for more quota."),
    ("disabled", "Turn live chat on for the stream in YouTube Studio."),
    ("forbidden", "Make the stream public or unlisted, with live chat open to everyone."),
)
_TELEGRAM_FIXES = (
    ("token", "Get a new token from @BotFather, set LIVEQ_TELEGRAM_BOT_TOKEN and restart liveq."),
    ("another program", "Stop the other program that uses this bot token: only one may read."),
    ("webhook", "Delete the bot's webhook, or set LIVEQ_TELEGRAM_WEBHOOK_URL to use it."),
)


class Quota(BaseModel):
    units_left: int | None = None
    daily_quota: int | None = None
    interval_seconds: float | None = None
    lasts_until: str | None = None
    next_reset_at: str | None = None


class SourceHealth(BaseModel):
    level: Level
    summary: str
    reason: str | None = None
    fix: str | None = None
    quota: Quota | None = None
    last_read_at: str | None = None
    last_question_at: datetime | None = None


def _fix(reason: str | None, fixes: tuple[tuple[str, str], ...]) -> str | None:
    low = (reason or "").lower()
    return next((fix for phrase, fix in fixes if phrase in low), None)


def youtube_health(
    *,
    state: str,
    reason: str | None,
    collector_running: bool,
    event_live: bool,
    report: dict[str, Any] | None,
    quota: dict[str, Any] | None,
    last_question_at: datetime | None,
) -> SourceHealth:
    """A YouTube source: the collector's live report first, the saved state otherwise."""
    common: dict[str, Any] = {"last_question_at": last_question_at}
    if not collector_running:
        return SourceHealth(
            level="problem",
            summary="Not collecting",
            reason=NO_YOUTUBE_KEY,
            fix=SET_YOUTUBE_KEY,
            **common,
        )
    if not event_live:
        return SourceHealth(level="ended", summary="The event has ended", **common)
    if report is not None:
        state, reason = str(report.get("state") or state), report.get("reason") or reason
        common["last_read_at"] = report.get("last_poll_at")
        common["quota"] = Quota(
            units_left=report.get("units_left_today"),
            daily_quota=(quota or {}).get("daily_quota"),
            interval_seconds=report.get("interval_seconds"),
            lasts_until=report.get("projected_exhaustion_at"),
            next_reset_at=report.get("next_reset_at"),
        )
    if state == "active":
        return SourceHealth(level="ok", summary="Connected: reading the live chat", **common)
    if state == "ended":
        return SourceHealth(level="ended", summary="The live chat ended", reason=reason, **common)
    if state == "stopped":
        return SourceHealth(
            level="problem",
            summary="Stopped",
            reason=reason,
            fix=_fix(reason, _YOUTUBE_FIXES)
            or "Fix what the reason says, then save the event or restart liveq.",
            **common,
        )
    if reason and "quota" in reason.lower():
        return SourceHealth(
            level="problem",
            summary="Paused: quota used up",
            reason=reason,
            fix=_fix(reason, _YOUTUBE_FIXES),
            **common,
        )
    return SourceHealth(
        level="waiting",
        summary="Waiting for the stream to start",
        reason=reason or "the collector has not checked this video yet",
        fix="Start the stream in YouTube Studio: reading begins by itself.",
        **common,
    )


def telegram_health(
    *,
    state: str,
    reason: str | None,
    collector: dict[str, Any] | None,
    event_live: bool,
    last_question_at: datetime | None,
) -> SourceHealth:
    """A Telegram chat: what the one bot-wide collector says, applied to this chat."""
    common: dict[str, Any] = {"last_question_at": last_question_at}
    if collector is None:
        return SourceHealth(
            level="problem",
            summary="Not collecting",
            reason=NO_BOT_TOKEN,
            fix=SET_BOT_TOKEN,
            **common,
        )
    if not event_live:
        return SourceHealth(level="ended", summary="The event has ended", **common)
    common["last_read_at"] = collector.get("last_update_at")
    running = collector.get("state")
    why = collector.get("last_error") or collector.get("reason") or reason
    if running == "running":
        bot = collector.get("bot_username")
        warning = collector.get("privacy_warning")
        return SourceHealth(
            level="ok",
            summary=f"Connected as @{bot}" if bot else "Connected",
            reason=warning,
            fix=(
                "Make the bot an admin of the group, or turn its privacy mode off with "
                "@BotFather (/setprivacy), so it can read every message."
            )
            if warning
            else None,
            **common,
        )
    if running == "starting":
        return SourceHealth(level="waiting", summary="Connecting to Telegram", **common)
    if running == "error":
        return SourceHealth(
            level="problem",
            summary="Retrying",
            reason=why,
            fix=_fix(why, _TELEGRAM_FIXES)
            or "liveq retries by itself; if this stays, check the server's network.",
            **common,
        )
    return SourceHealth(
        level="problem",
        summary="Stopped",
        reason=why,
        fix=_fix(why, _TELEGRAM_FIXES) or "Fix what the reason says and restart liveq.",
        **common,
    )
