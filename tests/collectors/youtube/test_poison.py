"""A poison chat message (NUL, or one the database refuses) never halts the YouTube collector:
it is cleaned, or set aside with its reason (sources page, logs, never its text), the page
token moves on, and every message after it arrives."""

from __future__ import annotations

import logging

from sqlalchemy import select

from models import Ask, SetAsideMessage
from tests.api_client import api_client
from tests.collectors.poison import MARKER, REASON, refuse_marked_asks
from tests.collectors.youtube.conftest import VIDEO, World, eventually


async def _texts(world: World, event_id: int) -> dict[str, str]:
    async with world.sessionmaker() as s:
        rows = await s.execute(select(Ask.message_id, Ask.text).where(Ask.event_id == event_id))
        return {message_id: text for message_id, text in rows}


class TestPoisonMessages:
    async def test_nul_and_lone_surrogates_are_cleaned_and_stored(self, world: World):
        event_id = await world.event()
        chat = world.fake.add_video(VIDEO)
        first = world.fake.post(chat, "When does the vote\x00 close?", name="Ann\x00")
        second = world.fake.post(chat, "Is the \ud800 budget public?", channel_id="UC\udfff")
        third = world.fake.post(chat, "Where is the venue?", channel_id="UCc")
        await world.start_collector()

        async def stored():
            texts = await _texts(world, event_id)
            return texts if len(texts) == 3 else None

        texts = await eventually(stored)
        assert texts == {
            first: "When does the vote close?",
            second: "Is the \ufffd budget public?",
            third: "Where is the venue?",
        }

    async def test_a_message_the_database_refuses_is_set_aside_and_later_ones_arrive(
        self, world: World, caplog
    ):
        event_id = await world.event()
        await refuse_marked_asks(world.sessionmaker)
        chat = world.fake.add_video(VIDEO)
        before = [
            world.fake.post(chat, f"Question {i} about the plan number {i}?", channel_id=f"UC{i}")
            for i in range(3)
        ]
        secret = f"Is {MARKER} private, Ann?"
        poison = world.fake.post(chat, secret, channel_id="UCp", name="Ann")
        after = [
            world.fake.post(chat, f"Question {i} about the plan number {i}?", channel_id=f"UC{i}")
            for i in range(3, 7)
        ]
        caplog.set_level(logging.WARNING)
        await world.start_collector()

        async def stored():
            texts = await _texts(world, event_id)
            return texts if len(texts) == 7 else None

        texts = await eventually(stored)
        assert set(texts) == set(before + after) and poison not in texts
        # The token moved on past the page: a message posted afterwards arrives.
        later = world.fake.post(chat, "And what about the park?", channel_id="UCz")

        async def arrived():
            return later in await _texts(world, event_id)

        await eventually(arrived)

        async with world.sessionmaker() as s:
            [row] = await s.scalars(select(SetAsideMessage))
        assert row.source_id == chat.live_chat_id and poison in row.message_ref
        assert REASON in row.reason and MARKER not in row.reason

        engine = world.sessionmaker.kw["bind"]
        async with api_client(engine, world.sessionmaker) as client:
            r = await client.get(f"/api/v1/events/{event_id}/sources")
        assert r.status_code == 200, r.text
        [source] = r.json()
        assert source["set_aside"] == 1
        [recent] = source["set_aside_recent"]
        assert REASON in recent["reason"] and poison in recent["message"]
        assert secret not in r.text

        logged = "\n".join(r.getMessage() for r in caplog.records)
        assert "set aside" in logged and REASON in logged
        assert secret not in logged and MARKER not in logged
