"""The collector's settings from LIVEQ_* variables."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from collectors.youtube.settings import YoutubeSettings
from kit.settings import describe_error


class TestSettings:
    def test_defaults(self, monkeypatch):
        monkeypatch.delenv("LIVEQ_YOUTUBE_API_KEY", raising=False)
        settings = YoutubeSettings()
        assert settings.youtube_api_key is None
        assert settings.youtube_api_endpoint == "https://www.googleapis.com"
        assert settings.youtube_daily_quota == 10_000

    def test_from_environment_and_key_hidden(self, monkeypatch):
        monkeypatch.setenv("LIVEQ_YOUTUBE_API_KEY", "AIza-secret-value")
        monkeypatch.setenv("LIVEQ_YOUTUBE_DAILY_QUOTA", "50000")
        monkeypatch.setenv("LIVEQ_YOUTUBE_API_ENDPOINT", "http://127.0.0.1:8765/")
        settings = YoutubeSettings()
        assert settings.youtube_api_key is not None
        assert settings.youtube_api_key.get_secret_value() == "AIza-secret-value"
        assert "AIza-secret-value" not in repr(settings)
        assert settings.youtube_daily_quota == 50_000
        assert settings.youtube_api_endpoint == "http://127.0.0.1:8765"

    def test_bad_values_fail_in_one_line(self, monkeypatch):
        monkeypatch.setenv("LIVEQ_YOUTUBE_DAILY_QUOTA", "0")
        monkeypatch.setenv("LIVEQ_YOUTUBE_API_ENDPOINT", "googleapis.com")
        with pytest.raises(ValidationError) as caught:
            YoutubeSettings()
        line = describe_error(caught.value)
        assert "LIVEQ_YOUTUBE_DAILY_QUOTA" in line and "LIVEQ_YOUTUBE_API_ENDPOINT" in line
        assert "\n" not in line
