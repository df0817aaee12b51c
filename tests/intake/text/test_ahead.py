"""Texts read ahead in a process of their own: the same readings as ingest's own, the same
queue whichever read them, and a child that dies costs nothing but the speed."""

from __future__ import annotations

import os
import signal

import pytest
from sqlalchemy import select

from intake.ingest import Intake, ingest
from intake.matching import LexicalMatcher
from intake.matching.lexical import signature_from
from intake.text.ahead import FROM, Reader, TextsAhead, read
from intake.text.clean import clean_text
from intake.text.detect import is_question
from intake.text.normalize import normalize
from models import Question, QuestionMode
from tests.factories import make_ask, make_event

# Questions, chatter, markers, other scripts, and hostile bytes: what a flood brings.
TEXTS = [
    "When does the board election voting close?",
    "when does the BOARD election voting close??",
    "Q: will the budget be published",
    "the budget is going up, right?",
    "what a great stream!!",
    "lol",
    "really??",
    "/ask why not now",
    "Is the UCoC enforcement review public? #q",
    "¿Cuándo cierra la votación de la elección de la junta?",
    "Когда закроется голосование?",
    "选举投票什么时候结束？",
    "How much did the 2025 conference cost in USD 1,200,000?",
    "nul\x00 inside a question, is it kept?",
    "a lone surrogate \ud800 here: does it survive?",
    "bidi \u202ecan this\u202c reorder what the host reads?",
    "zero\u200bwidth joiners, are they stripped?",
    "   ",
    "\x00\x00",
    "Why " + "very " * 600 + "long?",
    "@liveq_bot what about https://example.org/a?b=c",
    "👍",
]


def _inline(text: str) -> tuple[tuple[bool, ...], str, object]:
    key = normalize(text)
    return (
        tuple(is_question(text, mode) for mode in QuestionMode),
        key,
        LexicalMatcher().signature(key) if key else None,
    )


def test_the_child_reads_every_text_as_ingest_would():
    sent = Reader().answer(TEXTS)
    cleaned = [t for t in (clean_text(x).strip() for x in TEXTS) if t]
    assert [text for text, *_ in sent] == cleaned  # the keys ingest looks them up by
    for text, asks, key, parts in sent:
        expected_asks, expected_key, expected_signature = _inline(text)
        assert (asks, key) == (expected_asks, expected_key), text
        signature = None if parts is None else signature_from(parts)
        assert signature == expected_signature, text
        if signature is not None:
            assert signature.features == expected_signature.features, text  # type: ignore[union-attr]


def test_a_reading_says_what_the_mode_and_a_command_make_of_it():
    chatter = read("what a great stream!!")
    assert not chatter.is_question(QuestionMode.auto, force=False)
    assert chatter.is_question(QuestionMode.all, force=False)
    assert chatter.is_question(QuestionMode.auto, force=True)  # /ask
    marked = read("the budget is going up, right?")
    assert marked.is_question(QuestionMode.marked, force=False)


@pytest.fixture
async def ahead():
    reader = TextsAhead()
    yield reader
    await reader.close()


async def test_small_batches_are_read_inline_and_large_ones_ahead(ahead):
    assert ahead.read(TEXTS[:3]) is None  # a calm chat: no round trip
    assert await ahead.ready()
    batch = [f"Will topic {i} be covered?" for i in range(FROM)]
    task = ahead.read(batch)
    assert task is not None
    await task
    reading = ahead.take("Will topic 7 be covered?")
    assert reading == read("Will topic 7 be covered?")
    assert ahead.take("Will topic 7 be covered?") == reading  # chatter repeats: kept
    assert ahead.taken == 2
    again = ahead.read([*batch[:10], *(f"Is subject {i} next?" for i in range(FROM))])
    assert again is not None
    await again
    assert ahead.sent == 2 * FROM  # once per text
    assert ahead.read(batch) is None  # all read already: no round trip


async def test_the_queue_is_the_same_whoever_read_the_texts(sessionmaker, ahead):
    texts = [*TEXTS, *(f"Is there news on subject {i % 40}?" for i in range(60))]
    assert await ahead.ready()
    await ahead.read(texts)  # type: ignore[misc]

    async def queue(intake: Intake, mode: QuestionMode) -> list[tuple[object, ...]]:
        async with sessionmaker() as s, s.begin():
            event = await make_event(s, mode=mode)
            asks = [
                make_ask(text=t, message_id=str(i), author_id=f"u{i % 7}")
                for i, t in enumerate(texts)
            ]
            results = await ingest(s, intake=intake, event_id=event.id, asks=asks)
            rows = await s.scalars(
                select(Question).where(Question.event_id == event.id).order_by(Question.id)
            )
            questions = [(q.text, q.match_key, q.ask_count, q.language) for q in rows]
        return [(r.outcome, r.reason) for r in results] + questions  # type: ignore[operator]

    for mode in (QuestionMode.auto, QuestionMode.marked):
        inline = await queue(Intake(), mode)
        await ahead.read(texts)  # type: ignore[misc]
        taken = ahead.taken
        assert await queue(Intake(ahead=ahead), mode) == inline
        assert ahead.taken > taken + 40  # the readings were used, not read again


async def test_a_child_that_dies_leaves_texts_to_be_read_inline(sessionmaker, ahead, caplog):
    assert await ahead.ready()
    pid = ahead.pid
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    texts = [f"Will item {i} be discussed?" for i in range(FROM)]
    task = ahead.read(texts)
    assert task is not None
    await task  # fails inside, said once, never raised
    assert ahead.take(texts[0]) is None
    assert "the text reader's process ended" in caplog.text
    async with sessionmaker() as s, s.begin():
        event = await make_event(s)
        asks = [make_ask(text=t, message_id=str(i)) for i, t in enumerate(texts)]
        results = await ingest(s, intake=Intake(ahead=ahead), event_id=event.id, asks=asks)
    assert len({r.question_id for r in results}) == FROM  # all read inline, all stored
