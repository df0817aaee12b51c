"""Pure parsing of saved Bot API payloads, and the small pure pieces around it."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from telegram import Update

from collectors.telegram.api import Backoff
from collectors.telegram.pacing import AckLimiter
from collectors.telegram.parse import (
    Agreement,
    ChatSeen,
    Edit,
    MalformedUpdate,
    NewAsk,
    Reaction,
    ReactionCount,
    is_agreement,
    message_texts,
    parse_update,
)
from collectors.telegram.redact import TokenRedaction
from models import Platform

PAYLOADS = json.loads((Path(__file__).parent / "payloads" / "updates.json").read_text())
TOWN_HALL = -1001733215522


def parsed(name: str, **kwargs: object):
    return parse_update(PAYLOADS[name], bot_username="liveq_bot", **kwargs)  # type: ignore[arg-type]


class TestNewMessages:
    def test_a_group_message_becomes_an_ask_with_platform_ids(self) -> None:
        result = parsed("group_question")
        assert result.update_id == 871220001
        assert result.chat == ChatSeen(TOWN_HALL, "Town Hall Live", "supergroup", False)
        assert isinstance(result.intent, NewAsk)
        ask = result.intent.ask
        assert (ask.platform, ask.source_id, ask.message_id) == (
            Platform.telegram,
            str(TOWN_HALL),
            "4521",
        )
        assert (ask.author_id, ask.author_name) == ("318007421", "Amara Okafor")
        assert ask.text == "When will the new budget be published?"
        assert ask.asked_at == datetime.fromtimestamp(1764255600, UTC)
        assert ask.asked_at.tzinfo is not None
        assert not ask.force_question and ask.thread_id is None

    def test_a_caption_is_the_text_of_a_media_message(self) -> None:
        intent = parsed("photo_with_caption").intent
        assert isinstance(intent, NewAsk) and intent.ask.text == "Is this chart from last year?"

    def test_a_channel_post_has_the_channel_as_author(self) -> None:
        result = parsed("channel_post")
        assert result.chat is not None and result.chat.type == "channel"
        assert isinstance(result.intent, NewAsk)
        assert (result.intent.ask.author_id, result.intent.ask.author_name) == (
            "-1001500400300",
            "City News",
        )

    def test_an_anonymous_admin_speaks_as_the_group(self) -> None:
        intent = parsed("anonymous_admin").intent
        assert isinstance(intent, NewAsk) and intent.ask.author_id == str(TOWN_HALL)

    def test_a_forum_message_keeps_its_topic_and_the_topic_root_is_no_reply(self) -> None:
        result = parsed("forum_topic_message")
        assert result.chat is not None and result.chat.is_forum
        # "+1" replying to the topic's opening message is just "+1" posted in the topic.
        assert isinstance(result.intent, NewAsk)
        assert result.intent.thread_id == 61 and result.intent.ask.thread_id == 61

    def test_service_messages_are_only_a_chat_sighting(self) -> None:
        result = parsed("member_joined")
        assert result.intent is None and result.chat is not None

    def test_the_bot_joining_a_chat_is_a_sighting(self) -> None:
        result = parsed("bot_added")
        assert result.intent is None
        assert result.chat == ChatSeen(-1009876543210, "Neighbourhood Forum", "supergroup", True)

    def test_a_ptb_update_object_parses_like_its_json(self) -> None:
        update = Update.de_json(PAYLOADS["agreeing_reply"], None)
        assert parse_update(update) == parse_update(PAYLOADS["agreeing_reply"])

    @pytest.mark.parametrize(
        "payload",
        [
            {"update_id": 1, "message": {"message_id": 1, "date": 1764255600, "text": "no chat"}},
            {
                "update_id": 1,
                "message": {
                    "message_id": "1",
                    "date": 1764255600,
                    "text": "x",
                    "chat": {"id": 5, "type": "private"},
                },
            },
            {"update_id": 1, "message": "not an object"},
            {"message": {}},
            ["not", "an", "update"],
        ],
    )
    def test_malformed_updates_raise(self, payload: object) -> None:
        with pytest.raises(MalformedUpdate):
            parse_update(payload)  # type: ignore[arg-type]


class TestAskCommand:
    def test_ask_addressed_to_this_bot_forces_a_question(self) -> None:
        intent = parsed("ask_command").intent
        assert isinstance(intent, NewAsk)
        assert intent.ask.force_question and intent.ask.text == "will there be a recording"

    def test_another_bots_command_is_ignored(self) -> None:
        assert parsed("other_bot_command").intent is None

    @pytest.mark.parametrize("text", ["/ask", "/ask   ", "/start", "/help@liveq_bot"])
    def test_empty_or_other_commands_are_ignored(self, text: str) -> None:
        payload = json.loads(json.dumps(PAYLOADS["group_question"]))
        payload["message"]["text"] = text
        assert parse_update(payload, bot_username="liveq_bot").intent is None

    def test_plain_ask_without_bot_name(self) -> None:
        payload = json.loads(json.dumps(PAYLOADS["group_question"]))
        payload["message"]["text"] = "/ask Why?"
        intent = parse_update(payload, bot_username="liveq_bot").intent
        assert isinstance(intent, NewAsk) and intent.ask.force_question

    def test_the_text_reader_gets_an_asks_words_without_the_command(self) -> None:
        # The reader's readings are looked up by the text ingest reads: for `/ask …` that is
        # the words after the command, and another command is never read at all.
        updates = []
        for i, text in enumerate(["/ask   Why now?", "/ask@liveq_bot Who pays?", "/start", "Hi?"]):
            payload = json.loads(json.dumps(PAYLOADS["group_question"]))
            payload["update_id"] += i
            payload["message"]["text"] = text
            updates.append(payload)
        asks = [parse_update(u, bot_username="liveq_bot").intent for u in updates]
        read = [a.ask.text.strip() for a in asks if isinstance(a, NewAsk)]
        assert [t.strip() for t in message_texts(updates)] == read
        assert read == ["Why now?", "Who pays?", "Hi?"]


class TestVotesAndEdits:
    def test_an_agreeing_reply_votes_for_the_replied_message(self) -> None:
        intent = parsed("agreeing_reply").intent
        assert isinstance(intent, Agreement)
        assert (intent.target_message_id, intent.voter_id) == (4521, "318007425")
        assert intent.fallback.ask.text == "Yo también!"

    def test_an_edit(self) -> None:
        assert parsed("edited_message").intent == Edit(
            TOWN_HALL, 4521, "When will the new city budget be published?"
        )

    def test_reactions_added_and_removed(self) -> None:
        assert parsed("reaction_added").intent == Reaction(TOWN_HALL, 4521, "318007426", True)
        assert parsed("reaction_removed").intent == Reaction(TOWN_HALL, 4521, "318007426", False)

    def test_anonymous_reaction_counts_add_up(self) -> None:
        assert parsed("reaction_count").intent == ReactionCount(-1001500400300, 312, 17)


class TestAgreement:
    @pytest.mark.parametrize(
        "text",
        [
            "+1",
            "+",
            "+1!",
            "👍",
            "👍👍",
            "👍🏽",
            "same",
            "Same question",
            "same question!!",
            "this!",
            "This.",
            "me too",
            "Me too 👍",
            "moi aussi",
            "Yo también",
            "yo tambien",
            "Ich auch",
            "eu também",
            "Я тоже",
            "я тоже!",
            "anch'io",
        ],
    )
    def test_agreement(self, text: str) -> None:
        assert is_agreement(text)

    @pytest.mark.parametrize(
        "text",
        [
            "same time tomorrow?",
            "this is wrong",
            "me too, but why is the vote closed?",
            "+1 and what about rent?",
            "",
            "👍 but when?",
            "ich auch nicht?",
        ],
    )
    def test_not_agreement(self, text: str) -> None:
        assert not is_agreement(text)


class TestAckLimiter:
    def test_one_per_second_per_chat(self) -> None:
        now = [datetime(2026, 1, 1, tzinfo=UTC)]
        limiter = AckLimiter(clock=lambda: now[0])
        assert limiter.try_acquire(1, group=False)
        assert not limiter.try_acquire(1, group=False)
        assert limiter.try_acquire(2, group=False)  # another chat has its own budget
        now[0] += timedelta(milliseconds=999)
        assert not limiter.try_acquire(1, group=False)
        now[0] += timedelta(milliseconds=1)
        assert limiter.try_acquire(1, group=False)

    def test_twenty_per_minute_per_group(self) -> None:
        start = datetime(2026, 1, 1, tzinfo=UTC)
        now = [start]
        limiter = AckLimiter(clock=lambda: now[0])
        allowed = []
        for second in range(61):
            now[0] = start + timedelta(seconds=second)
            allowed.append(limiter.try_acquire(-100, group=True))
        assert allowed[:20] == [True] * 20
        assert allowed[20:60] == [False] * 40
        assert allowed[60]  # the first one left the window
        private = AckLimiter(clock=lambda: now[0])
        for second in range(30):
            now[0] = start + timedelta(seconds=second)
            assert private.try_acquire(5, group=False)


def test_backoff_doubles_with_jitter_up_to_the_maximum() -> None:
    backoff = Backoff(1.0, 10.0, jitter=lambda: 1.0)
    assert [backoff.next() for _ in range(6)] == [1.0, 2.0, 4.0, 8.0, 10.0, 10.0]
    backoff.reset()
    low = Backoff(1.0, 10.0, jitter=lambda: 0.0)
    assert [low.next() for _ in range(3)] == [0.5, 1.0, 2.0]


def test_token_redaction_covers_args_and_tracebacks(caplog: pytest.LogCaptureFixture) -> None:
    token = "999:SECRET-token"
    redaction = TokenRedaction(token)
    redaction.install()
    try:
        caplog.set_level(logging.DEBUG)
        logger = logging.getLogger("httpx")
        logger.info("HTTP Request: POST %s", f"https://api.telegram.org/bot{token}/getMe")
        try:
            raise RuntimeError(f"failed https://x/bot{token}/getUpdates")
        except RuntimeError:
            logging.getLogger("telegram.ext").exception("boom")
    finally:
        redaction.uninstall()
    text = caplog.text
    assert token not in text and "<telegram-token>" in text
    assert redaction(f"x{token}y") == "x<telegram-token>y"
