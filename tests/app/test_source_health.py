"""Each source's health in words: the pure mapping from a collector's report to a fix."""

from __future__ import annotations

from app.events.health import telegram_health, youtube_health


class TestHealthWords:
    """The pure mapping from a collector's report to words and a fix."""

    def yt(self, **kw):
        base = dict(
            state="waiting",
            reason=None,
            collector_running=True,
            event_live=True,
            report=None,
            quota=None,
            last_question_at=None,
        )
        return youtube_health(**{**base, **kw})

    def test_a_missing_video_says_to_check_the_link(self):
        h = self.yt(
            state="stopped",
            report={"state": "stopped", "reason": "video abc not found (private, deleted or…)"},
        )
        assert (h.level, h.summary) == ("problem", "Stopped")
        assert h.fix is not None and "Check the video link" in h.fix

    def test_active_shows_quota_and_pace(self):
        h = self.yt(
            report={
                "state": "active",
                "units_left_today": 8200,
                "interval_seconds": 5.0,
                "projected_exhaustion_at": "2026-12-02T20:00:00+00:00",
                "last_poll_at": "2026-12-02T10:00:00+00:00",
            },
            quota={"daily_quota": 10000},
        )
        assert h.level == "ok" and h.quota is not None
        assert (h.quota.units_left, h.quota.daily_quota, h.quota.interval_seconds) == (
            8200,
            10000,
            5.0,
        )
        assert h.last_read_at == "2026-12-02T10:00:00+00:00"

    def test_waiting_for_the_stream_says_start_it(self):
        h = self.yt(report={"state": "waiting", "reason": "the stream has not started yet"})
        assert h.level == "waiting" and "YouTube Studio" in (h.fix or "")

    def test_a_refused_bot_token_says_get_a_new_one(self):
        h = telegram_health(
            state="stopped",
            reason=None,
            collector={"state": "stopped", "last_error": "Telegram refused the bot token (401)"},
            event_live=True,
            last_question_at=None,
        )
        assert h.level == "problem" and "@BotFather" in (h.fix or "")

    def test_privacy_mode_is_a_fix_even_when_connected(self):
        h = telegram_health(
            state="active",
            reason=None,
            collector={"state": "running", "bot_username": "qbot", "privacy_warning": "privacy on"},
            event_live=True,
            last_question_at=None,
        )
        assert h.summary == "Connected as @qbot" and "/setprivacy" in (h.fix or "")
