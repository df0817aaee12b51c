from dataclasses import replace
from datetime import timedelta

from sqlalchemy import select

from intake.asks import Outcome
from intake.ingest import Intake, ingest
from models import Ask, ChatterCount, Platform, Question, QuestionMode, QuestionStatus
from tests.factories import T0, make_ask, make_event


async def _questions(session, event_id):
    return list(
        await session.scalars(
            select(Question).where(Question.event_id == event_id).order_by(Question.id)
        )
    )


class TestIdempotence:
    async def test_same_message_twice_changes_nothing(self, session):
        event = await make_event(session)
        intake = Intake()
        ask = make_ask(text="When does the vote close?", message_id="7", author_id="u1")
        [first] = await ingest(session, intake=intake, event_id=event.id, asks=[ask])
        [again] = await ingest(session, intake=intake, event_id=event.id, asks=[ask])
        assert first.outcome is Outcome.created
        assert again.outcome is Outcome.duplicate and again.ask_id == first.ask_id
        [q] = await _questions(session, event.id)
        assert q.ask_count == 1
        assert (
            await session.scalar(select(Ask.id).where(Ask.event_id == event.id).offset(1)) is None
        )

    async def test_a_large_page_read_again_is_all_known(self, session):
        """Past one look-up's worth of message ids (SQLite asks 500 at a time, PostgreSQL
        takes them as one array), on two sources: every ask of the second reading is known."""
        event = await make_event(session)
        intake = Intake()
        asks = [
            make_ask(
                text=f"Will report {i} be published?" if i % 3 else "great stream",
                message_id=str(i // 2),
                source_id=f"-{i % 2 + 1}",
                author_id=f"u{i}",
            )
            for i in range(1_300)
        ]
        first = await ingest(session, intake=intake, event_id=event.id, asks=asks)
        again = await ingest(session, intake=intake, event_id=event.id, asks=asks)
        stored = [r for r in first if r.outcome is not Outcome.chatter]
        assert len(stored) > 800
        known = [r for r in again if r.outcome is Outcome.duplicate]
        assert [r.ask_id for r in known] == [r.ask_id for r in stored]
        assert all(r.outcome in (Outcome.duplicate, Outcome.chatter) for r in again)

    async def test_duplicate_within_one_batch(self, session):
        event = await make_event(session)
        ask = make_ask(text="When does the vote close?", message_id="7", author_id="u1")
        results = await ingest(session, intake=Intake(), event_id=event.id, asks=[ask, ask])
        assert [r.outcome for r in results] == [Outcome.created, Outcome.duplicate]

    async def test_same_message_id_on_another_source_is_new(self, session):
        event = await make_event(session)
        a = make_ask(text="When does the vote close?", message_id="7", source_id="-1")
        b = make_ask(text="When does the vote close?", message_id="7", source_id="-2")
        results = await ingest(session, intake=Intake(), event_id=event.id, asks=[a, b])
        assert [r.outcome for r in results] == [Outcome.created, Outcome.merged]


class TestMerging:
    async def test_paraphrases_across_platforms_count_distinct_askers(self, session):
        event = await make_event(session)
        asks = [
            make_ask(text="Hi Maggie! When does the vote close?", message_id="1", author_id="a"),
            make_ask(
                text="when does the VOTE close??",
                message_id="2",
                author_id="b",
                platform=Platform.youtube,
                source_id="chat",
            ),
            make_ask(text="Q: When does the vote close", message_id="3", author_id="a"),
            make_ask(
                text="@liveq when does the vote close? 🗳️",
                message_id="4",
                author_id="c",
                platform=Platform.youtube,
                source_id="chat",
            ),
        ]
        results = await ingest(session, intake=Intake(), event_id=event.id, asks=asks)
        assert [r.outcome for r in results] == [Outcome.created] + [Outcome.merged] * 3
        [q] = await _questions(session, event.id)
        assert q.ask_count == 3  # author "a" asked twice: counted once
        assert q.score == 3
        assert q.text == "Hi Maggie! When does the vote close?"  # display keeps the original

    async def test_same_author_in_separate_batches_counts_once(self, session):
        event = await make_event(session)
        intake = Intake()
        for i in range(3):
            await ingest(
                session,
                intake=intake,
                event_id=event.id,
                asks=[
                    make_ask(text="When does the vote close?", message_id=str(i), author_id="same")
                ],
            )
        [q] = await _questions(session, event.id)
        assert q.ask_count == 1

    async def test_hard_negatives_stay_apart(self, session):
        event = await make_event(session)
        texts = [
            "When does the vote close?",
            "Why is there a vote?",
            "Will Wikimania 2027 be in Paris?",
            "Will Wikimania 2028 be in Paris?",
        ]
        results = await ingest(
            session,
            intake=Intake(),
            event_id=event.id,
            asks=[make_ask(text=t, message_id=str(i)) for i, t in enumerate(texts)],
        )
        assert [r.outcome for r in results] == [Outcome.created] * 4

    async def test_hidden_questions_are_not_matched(self, session):
        event = await make_event(session)
        intake = Intake()
        [r] = await ingest(
            session,
            intake=intake,
            event_id=event.id,
            asks=[make_ask(text="Is the budget public?", message_id="1")],
        )
        q = await session.get(Question, r.question_id)
        q.status = QuestionStatus.hidden
        q.updated_at = T0 + timedelta(days=400)  # visible to the index refresh
        intake.indexes.get(event.id).discard(q.id)
        [r2] = await ingest(
            session,
            intake=intake,
            event_id=event.id,
            asks=[make_ask(text="Is the budget public?", message_id="2")],
        )
        assert r2.outcome is Outcome.created and r2.question_id != q.id

    async def test_answered_question_asked_again_stays_answered(self, session):
        event = await make_event(session)
        intake = Intake()
        [r] = await ingest(
            session,
            intake=intake,
            event_id=event.id,
            asks=[make_ask(text="Is the budget public?", message_id="1", author_id="a")],
        )
        q = await session.get(Question, r.question_id)
        q.status = QuestionStatus.answered
        [r2] = await ingest(
            session,
            intake=intake,
            event_id=event.id,
            asks=[make_ask(text="is the budget public??", message_id="2", author_id="b")],
        )
        assert r2.outcome is Outcome.merged and r2.question_id == q.id
        assert q.status is QuestionStatus.answered and q.asked_again == 1 and q.ask_count == 2

    async def test_index_sees_questions_from_another_process(self, session):
        # Two Intakes stand for two processes sharing one database.
        event = await make_event(session)
        await ingest(
            session,
            intake=Intake(),
            event_id=event.id,
            asks=[make_ask(text="Is the budget public?", message_id="1")],
        )
        [r] = await ingest(
            session,
            intake=Intake(),
            event_id=event.id,
            asks=[make_ask(text="is the budget public", message_id="2", force_question=True)],
        )
        assert r.outcome is Outcome.merged


class TestDetection:
    async def test_chatter_is_counted_not_stored(self, session):
        event = await make_event(session)
        results = await ingest(
            session,
            intake=Intake(),
            event_id=event.id,
            asks=[
                make_ask(text="hello from Lagos!", message_id="1", author_id="a"),
                make_ask(text="👍", message_id="2"),
                make_ask(text="thanks!", message_id="3", platform=Platform.youtube, source_id="c"),
            ],
        )
        assert {r.outcome for r in results} == {Outcome.chatter}
        assert await _questions(session, event.id) == []
        assert await session.scalar(select(Ask.id).where(Ask.event_id == event.id)) is None
        counts = {
            c.platform.value: c.count
            for c in await session.scalars(
                select(ChatterCount).where(ChatterCount.event_id == event.id)
            )
        }
        assert counts == {"telegram": 2, "youtube": 1}

    async def test_a_batch_reads_each_distinct_text_once(self, session, monkeypatch):
        import intake.ingest as ingest_module

        calls = {"is_question": [], "normalize": [], "signature": []}
        for name in ("is_question", "normalize"):
            real = getattr(ingest_module, name)

            def spy(text, *args, _real=real, _name=name, **kw):
                calls[_name].append(text)
                return _real(text, *args, **kw)

            monkeypatch.setattr(ingest_module, name, spy)
        intake = Intake()
        matcher = intake.indexes.matcher
        real_signature = matcher.signature
        monkeypatch.setattr(
            matcher, "signature", lambda key: calls["signature"].append(key) or real_signature(key)
        )
        texts = ["great stream", "When does the vote close?", "when does the vote close??", "👏"]
        # /ask great stream: a question, whatever it reads as
        forced = replace(make_ask(text="great stream", message_id="f"), force_question=True)
        asks = [
            make_ask(text=texts[i % 4], message_id=str(i), author_id=f"u{i}") for i in range(40)
        ]
        event, apart = await make_event(session), await make_event(session)
        results = await ingest(session, intake=intake, event_id=event.id, asks=[*asks, forced])
        # each distinct text is told apart, normalised and signed once
        assert sorted(calls["is_question"]) == sorted(texts)
        assert sorted(calls["normalize"]) == sorted(
            ["When does the vote close?", "when does the vote close??", "great stream"]
        )
        assert len(calls["signature"]) == len(set(calls["signature"])) == 2
        # as if each had come alone
        one_by_one = [
            (await ingest(session, intake=Intake(), event_id=apart.id, asks=[ask]))[0]
            for ask in [*asks, forced]
        ]
        assert [r.outcome for r in results] == [r.outcome for r in one_by_one]
        assert results[-1].outcome is Outcome.created
        assert sorted(q.ask_count for q in await _questions(session, event.id)) == [1, 20]

    async def test_chatter_adds_up_over_batches_and_events_apart(self, session):
        event, other = await make_event(session), await make_event(session)
        intake = Intake()
        for batch in range(3):
            for target in (event, other):
                await ingest(
                    session,
                    intake=intake,
                    event_id=target.id,
                    asks=[
                        make_ask(text=f"hi #{batch}", message_id=f"{batch}-{k}") for k in range(2)
                    ],
                )
        rows = await session.execute(
            select(ChatterCount.event_id, ChatterCount.platform, ChatterCount.count).where(
                ChatterCount.event_id.in_([event.id, other.id])
            )
        )
        assert sorted(rows) == [(event.id, Platform.telegram, 6), (other.id, Platform.telegram, 6)]

    async def test_the_question_reads_without_its_marker_and_the_ask_as_typed(self, session):
        event = await make_event(session)
        (result,) = await ingest(
            session,
            intake=Intake(),
            event_id=event.id,
            asks=[make_ask(text="Q: how can affiliates apply for grants #q", message_id="1")],
        )
        question = await session.get(Question, result.question_id)
        ask = await session.get(Ask, result.ask_id)
        assert question is not None and ask is not None
        assert question.text == "how can affiliates apply for grants"
        assert ask.text == "Q: how can affiliates apply for grants #q"

    async def test_marked_mode_and_force(self, session):
        event = await make_event(session, mode=QuestionMode.marked)
        results = await ingest(
            session,
            intake=Intake(),
            event_id=event.id,
            asks=[
                make_ask(text="When is the vote?", message_id="1"),
                make_ask(text="Q: when is the vote", message_id="2"),
                make_ask(text="budget plans", message_id="3", force_question=True),
            ],
        )
        # Marked mode takes what its label says: a question mark or a marker.
        assert [r.outcome for r in results] == [Outcome.created, Outcome.merged, Outcome.created]

    async def test_marked_mode_leaves_the_form_alone(self, session):
        event = await make_event(session, mode=QuestionMode.marked)
        results = await ingest(
            session,
            intake=Intake(),
            event_id=event.id,
            asks=[
                make_ask(text="when is the vote", message_id="1"),
                make_ask(text="when is the vote #q", message_id="2"),
            ],
        )
        assert [r.outcome for r in results] == [Outcome.chatter, Outcome.created]

    async def test_review_mode_holds_new_questions(self, session):
        event = await make_event(session, review=True)
        [r] = await ingest(
            session,
            intake=Intake(),
            event_id=event.id,
            asks=[make_ask(text="Is the budget public?", message_id="1")],
        )
        assert (await session.get(Question, r.question_id)).status is QuestionStatus.pending

    async def test_overlong_and_empty_rejected(self, session):
        event = await make_event(session)
        results = await ingest(
            session,
            intake=Intake(),
            event_id=event.id,
            asks=[
                make_ask(text="?" + "x" * 5000, message_id="1"),
                make_ask(text="  ", message_id="2"),
            ],
        )
        assert [r.outcome for r in results] == [Outcome.rejected, Outcome.rejected]
        assert "4096" in results[0].reason


class TestPrivacy:
    async def test_author_ids_are_stored_only_as_keyed_hashes(self, session):
        event = await make_event(session)
        await ingest(
            session,
            intake=Intake(),
            event_id=event.id,
            asks=[
                make_ask(
                    text="Is it safe to ask?", message_id="1", author_id="424242", author_name="Ada"
                )
            ],
        )
        ask = await session.scalar(select(Ask).where(Ask.event_id == event.id))
        assert ask.author_key and "424242" not in ask.author_key and len(ask.author_key) == 32


class TestRollback:
    async def test_rolled_back_questions_leave_the_index(self, sessionmaker):
        intake = Intake()
        async with sessionmaker() as s, s.begin():
            event = await make_event(s)
            event_id = event.id
        async with sessionmaker() as s:
            await s.begin()
            [r] = await ingest(
                s,
                intake=intake,
                event_id=event_id,
                asks=[make_ask(text="Is the budget public?", message_id="1")],
            )
            assert r.outcome is Outcome.created
            await s.rollback()
        # The same question again must create a question, not join the one rolled back.
        async with sessionmaker() as s, s.begin():
            [again] = await ingest(
                s,
                intake=intake,
                event_id=event_id,
                asks=[make_ask(text="Is the budget public?", message_id="1")],
            )
            assert again.outcome is Outcome.created
            assert await s.get(Question, again.question_id) is not None
