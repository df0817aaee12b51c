"""Pure parsing: video ids from URLs, chat payloads to intents, error bodies."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from collectors.youtube.parse import (
    Ban,
    ChatEnded,
    Deletion,
    NewAsk,
    api_error,
    chat_page,
    message_intent,
    stream_state,
    video_id,
)
from models import Platform

PAYLOADS = Path(__file__).parent / "payloads"
CHAT = "Cg0KC2R2Z0dCaVo0Smlv"


def _load(name: str):
    return json.loads((PAYLOADS / name).read_text())


class TestVideoId:
    @pytest.mark.parametrize(
        "value",
        [
            "dvgGBiZ4Jio",
            "  dvgGBiZ4Jio ",
            "https://www.youtube.com/watch?v=dvgGBiZ4Jio",
            "https://www.youtube.com/watch?feature=share&v=dvgGBiZ4Jio&t=42s",
            "http://youtube.com/watch?v=dvgGBiZ4Jio",
            "youtube.com/watch?v=dvgGBiZ4Jio",
            "https://m.youtube.com/watch?v=dvgGBiZ4Jio&list=PL123",
            "https://youtu.be/dvgGBiZ4Jio",
            "https://youtu.be/dvgGBiZ4Jio?si=abcDEF&t=10",
            "youtu.be/dvgGBiZ4Jio",
            "https://www.youtube.com/live/dvgGBiZ4Jio?feature=shared",
            "https://youtube.com/shorts/dvgGBiZ4Jio",
            "https://www.youtube.com/embed/dvgGBiZ4Jio?autoplay=1",
            "https://www.youtube-nocookie.com/embed/dvgGBiZ4Jio",
            "https://music.youtube.com/watch?v=dvgGBiZ4Jio",
            "HTTPS://WWW.YOUTUBE.COM/watch?v=dvgGBiZ4Jio",
        ],
    )
    def test_forms(self, value):
        assert video_id(value) == "dvgGBiZ4Jio"

    @pytest.mark.parametrize(
        ("value", "problem"),
        [
            ("", "empty"),
            ("   ", "empty"),
            ("https://vimeo.com/123456", "host vimeo.com"),
            ("https://www.youtube.com/watch?list=PL123", "without a v= parameter"),
            ("https://www.youtube.com/channel/UC123", "names no video"),
            ("https://www.youtube.com/@somechannel", "names no video"),
            ("https://youtu.be/short", "malformed"),
            ("https://www.youtube.com/watch?v=bad id!!!", "malformed"),
            ("not a url at all", "not a YouTube"),
            ("dvgGBiZ4Jio1", "not a YouTube"),
        ],
    )
    def test_junk_names_the_problem(self, value, problem):
        with pytest.raises(ValueError, match=problem):
            video_id(value)


class TestChatPage:
    def test_saved_page(self):
        page = chat_page(_load("live_chat_page.json"), live_chat_id=CHAT)
        assert page.next_page_token == "GL-g5f3twuoCIJ3dpYHuwuoC"
        assert page.polling_interval == pytest.approx(4.813)
        assert page.offline_at is None and not page.ended and page.messages == 8
        kinds = [type(i).__name__ for i in page.intents]
        # owner and moderator skipped; sticker without comment and new member ignored
        assert kinds == ["NewAsk", "NewAsk", "Deletion", "Ban"]
        first, paid, deletion, ban = page.intents
        assert isinstance(first, NewAsk) and isinstance(paid, NewAsk)
        ask = first.ask
        assert ask.platform is Platform.youtube and ask.source_id == CHAT
        assert ask.message_id == "LCC.text-1" and ask.text == "When does the vote close?"
        assert ask.author_id == "UC2ZwzUUY_4dAJDGAaTsKjjA" and ask.author_name == "Ann Viewer"
        assert ask.asked_at == datetime(2026, 2, 15, 18, 0, 30, 645000, tzinfo=UTC)
        assert not ask.paid
        assert paid.ask.paid and paid.ask.text == "Can you talk about housing?"
        assert deletion == Deletion("LCC.text-0")
        assert ban == Ban("UCtroll")

    def test_moderators_included_on_request(self):
        page = chat_page(_load("live_chat_page.json"), live_chat_id=CHAT, include_moderators=True)
        texts = [i.ask.text for i in page.intents if isinstance(i, NewAsk)]
        assert "Will the slides be shared?" in texts
        assert "Any questions before we start?" not in texts  # the owner never

    def test_chat_end_cuts_the_page(self):
        page = chat_page(_load("ended_page.json"), live_chat_id=CHAT)
        assert page.ended
        assert page.offline_at == datetime(2026, 2, 15, 20, 0, 5, tzinfo=UTC)
        first, end = page.intents
        assert isinstance(first, NewAsk) and first.ask.text == "Thanks! When is the next one?"
        assert isinstance(end, ChatEnded)

    def test_super_sticker_with_a_comment_is_paid(self):
        item = {
            "id": "m1",
            "snippet": {
                "type": "superStickerEvent",
                "liveChatId": CHAT,
                "publishedAt": "2026-02-15T18:00:00Z",
                "superStickerDetails": {"userComment": "Is there merch?", "amountMicros": "1"},
            },
            "authorDetails": {"channelId": "UCx"},
        }
        intent = message_intent(item)
        assert isinstance(intent, NewAsk) and intent.ask.paid

    def test_super_chat_without_comment_is_nothing(self):
        item = {
            "id": "m1",
            "snippet": {
                "type": "superChatEvent",
                "liveChatId": CHAT,
                "publishedAt": "2026-02-15T18:00:00Z",
                "superChatDetails": {"amountMicros": "1000000"},
            },
            "authorDetails": {"channelId": "U"},
        }
        assert message_intent(item) is None

    def test_nanosecond_timestamps(self):
        item = {
            "id": "m1",
            "snippet": {
                "type": "textMessageEvent",
                "liveChatId": CHAT,
                "publishedAt": "2026-02-15T18:00:00.123456789Z",
                "displayMessage": "Why?",
            },
            "authorDetails": {"channelId": "U"},
        }
        intent = message_intent(item)
        assert isinstance(intent, NewAsk)
        assert intent.ask.asked_at.microsecond == 123456


class TestStreamState:
    def test_live(self):
        state = stream_state(_load("videos.json"), video="dvgGBiZ4Jio")
        assert state.live_chat_id == CHAT and not state.ended
        assert state.started_at == datetime(2026, 2, 15, 17, 58, 2, tzinfo=UTC)

    def test_not_started_ended_missing_and_plain_upload(self):
        def payload(details):
            item = {"kind": "youtube#video", "id": "dvgGBiZ4Jio"}
            if details is not None:
                item["liveStreamingDetails"] = details
            return {"items": [item]}

        waiting = stream_state(
            payload({"scheduledStartTime": "2026-02-15T18:00:00Z"}), video="dvgGBiZ4Jio"
        )
        assert waiting.live_chat_id is None and not waiting.ended and waiting.live_stream
        ended = stream_state(
            payload(
                {"actualStartTime": "2026-02-15T18:00:00Z", "actualEndTime": "2026-02-15T20:00:00Z"}
            ),
            video="dvgGBiZ4Jio",
        )
        assert ended.ended
        assert not stream_state({"items": []}, video="dvgGBiZ4Jio").found
        assert not stream_state(payload(None), video="dvgGBiZ4Jio").live_stream


class TestApiError:
    def test_reasons(self):
        errors = _load("errors.json")
        assert api_error(403, json.dumps(errors["liveChatEnded"])).reason == "liveChatEnded"
        quota = api_error(403, json.dumps(errors["quotaExceeded"]).encode())
        assert quota.reason == "quotaExceeded" and quota.status == 403
        assert api_error(400, json.dumps(errors["keyInvalidNew"])).reason == "keyInvalid"

    def test_unreadable_body(self):
        assert api_error(502, b"<html>Bad Gateway</html>").reason == ""
