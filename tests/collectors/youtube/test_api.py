"""What each YouTube error answer means (pure)."""

from __future__ import annotations

import pytest

from collectors.youtube.api import Verdict, judge
from collectors.youtube.parse import ApiError


@pytest.mark.parametrize(
    ("status", "reason", "message", "verdict", "says"),
    [
        (403, "liveChatEnded", "The live chat is no longer live.", Verdict.ended, "ended"),
        (403, "quotaExceeded", "exceeded your quota", Verdict.quota, ""),
        (403, "rateLimitExceeded", "too soon", Verdict.slow_down, ""),
        (400, "invalidPageToken", "bad token", Verdict.restart_pages, ""),
        (404, "liveChatNotFound", "not found", Verdict.stop, "not found"),
        (403, "liveChatDisabled", "disabled", Verdict.stop, "disabled"),
        (403, "forbidden", "forbidden", Verdict.stop, "forbidden"),
        (400, "keyInvalid", "API key not valid.", Verdict.stop, "API key is not valid"),
        (
            400,
            "badRequest",
            "API key not valid. Please pass a valid API key.",
            Verdict.stop,
            "API key is not valid",
        ),
        (500, "backendError", "oops", Verdict.retry, ""),
        (503, "", "", Verdict.retry, ""),
        (429, "", "", Verdict.retry, ""),
        (400, "somethingNew", "Odd request", Verdict.stop, "somethingNew"),
    ],
)
def test_verdicts(status, reason, message, verdict, says):
    judgement = judge(ApiError(status, reason, message))
    assert judgement.verdict is verdict
    assert says in judgement.reason
