"""YouTube chatter reaches the chat panel (in memory) of a collector in the same process."""

from __future__ import annotations

from tests.collectors.youtube.conftest import VIDEO, World, eventually


async def test_chatter_is_set_aside_for_the_panel(world: World) -> None:
    event_id = await world.event()
    chat = world.fake.add_video(VIDEO)
    await world.start_collector()
    world.fake.post(chat, "greetings from Jakarta 👋", channel_id="UCa", name="Ani")
    world.fake.post(chat, "dónde puedo leer las respuestas", channel_id="UCb")

    async def both():
        questions = await world.questions(event_id)
        kept = world.intake.chatter.recent(event_id, now=world.intake.clock())
        return (questions and kept) and (questions, kept)

    questions, kept = await eventually(both)
    assert [q.text for q in questions] == ["dónde puedo leer las respuestas"]
    [entry] = kept
    assert entry.ask.platform.value == "youtube"
    assert entry.ask.text == "greetings from Jakarta 👋" and entry.ask.author_name == "Ani"
