"""Suggestions found after the batch commits (collectors): the same marks as in the batch's own
transaction, none for a batch rolled back, each question compared only with earlier ones."""

import contextlib

import pytest
from sqlalchemy import select

from intake.asks import Outcome
from intake.ingest import Intake, ingest
from intake.suggest_later import SuggestLater
from kit.db import make_engine, make_sessionmaker
from models import AuditEntry, Question, Suggestion
from tests.factories import make_ask, make_event


@pytest.fixture
async def sessionmaker(fresh_db):
    """Real commits on a database of this test's own: the worker's sessions run beside the
    test's (the shared one's savepoints on one connection cannot interleave)."""
    engine = make_engine(fresh_db)
    yield make_sessionmaker(engine)
    await engine.dispose()


@pytest.fixture
async def event_id(sessionmaker):
    async with sessionmaker() as s, s.begin():
        return (await make_event(s)).id


VOTE = "When does the board election voting close?"
# Alike in words, below the matcher's own threshold: suggested, never merged.
CLOSE = "When do board election votes stop being accepted?"
RESULTS = "When will the board election results be published?"
AGAIN = "When are board election votes no longer accepted?"


@contextlib.asynccontextmanager
async def running(sessionmaker, intake, **options):
    """A worker started on `intake`'s index, stopped (what is queued finished) at the end."""
    later = SuggestLater(sessionmaker, **options)
    later.start(intake)
    try:
        yield later
    finally:
        await later.stop()


async def _marks(sessionmaker, event_id):
    async with sessionmaker() as s:
        rows = await s.execute(
            select(Suggestion.question_id, Suggestion.into_id, Suggestion.by)
            .where(Suggestion.event_id == event_id)
            .order_by(Suggestion.question_id, Suggestion.rank.desc())
        )
        return [tuple(r) for r in rows]


async def _ingest(sessionmaker, intake, event_id, later, texts, first=1):
    async with sessionmaker() as s, s.begin():
        return await ingest(
            s,
            intake=intake,
            event_id=event_id,
            asks=[make_ask(text=t, message_id=str(first + i)) for i, t in enumerate(texts)],
            later=later,
        )


async def test_marks_come_after_the_commit_as_they_would_in_it(sessionmaker):
    async with sessionmaker() as s, s.begin():
        now_event = (await make_event(s, title="now")).id
        later_event = (await make_event(s, title="later")).id
    now_intake, later_intake = Intake(), Intake()
    later = SuggestLater(sessionmaker)
    later.start(later_intake)
    try:
        # One batch with both, and one question after it in another batch.
        for event_id, intake, deferred in (
            (now_event, now_intake, None),
            (later_event, later_intake, later),
        ):
            first = await _ingest(sessionmaker, intake, event_id, deferred, [VOTE, CLOSE])
            assert [r.outcome for r in first] == [Outcome.created, Outcome.created]
            await _ingest(sessionmaker, intake, event_id, deferred, [RESULTS], first=3)
        assert await later.drain(10)
    finally:
        await later.stop()
    now, deferred = await _marks(sessionmaker, now_event), await _marks(sessionmaker, later_event)
    assert now, "the words alone suggest these"
    # The same marks, question for question (ids differ by event: compare by position).
    ids_now = sorted({q for q, *_ in now} | {i for _, i, _ in now})
    ids_later = sorted({q for q, *_ in deferred} | {i for _, i, _ in deferred})
    as_now = dict(zip(ids_later, ids_now, strict=True))
    assert [(as_now[q], as_now[i], by) for q, i, by in deferred] == now
    # Never into a question asked after it.
    assert all(into < q for q, into, _ in deferred)


async def test_a_batch_rolled_back_leaves_nothing_to_suggest(sessionmaker, event_id):
    intake = Intake()
    async with running(sessionmaker, intake) as later:
        await _ingest(sessionmaker, intake, event_id, later, [VOTE])
        async with sessionmaker() as s:
            await s.begin()
            await ingest(
                s,
                intake=intake,
                event_id=event_id,
                asks=[make_ask(text=CLOSE, message_id="2")],
                later=later,
            )
            await s.rollback()
        assert await later.drain(10)
        assert await _marks(sessionmaker, event_id) == []
        # The same question stored for real is suggested for.
        await _ingest(sessionmaker, intake, event_id, later, [CLOSE], first=2)
        assert await later.drain(10)
        assert len(await _marks(sessionmaker, event_id)) == 1


async def test_stop_finishes_what_is_queued(sessionmaker, event_id):
    intake = Intake()
    later = SuggestLater(sessionmaker)
    later.start(intake)
    await _ingest(sessionmaker, intake, event_id, later, [VOTE, CLOSE])
    await later.stop()
    assert len(await _marks(sessionmaker, event_id)) == 1


async def test_suggestions_wait_while_the_collector_catches_up(sessionmaker, event_id):
    """A full batch from the platform means more are waiting: the marks wait for the backlog
    to be read, and then come all at once."""
    intake = Intake()
    async with running(sessionmaker, intake, patience=60) as later:
        later.catching_up(True)
        await _ingest(sessionmaker, intake, event_id, later, [VOTE])
        await _ingest(sessionmaker, intake, event_id, later, [CLOSE], first=2)
        assert not await later.drain(0.3), "suggested while the collector was behind"
        assert await _marks(sessionmaker, event_id) == []
        later.catching_up(False)
        assert await later.drain(10)
        assert len(await _marks(sessionmaker, event_id)) == 1


async def test_a_pass_waits_a_moment_after_the_commit_and_takes_the_commits_meanwhile(
    sessionmaker, event_id
):
    """What a commit wakes (live streams, screens refetching) is served before the pass by
    words takes the event loop; batches committed meanwhile join the same pass."""
    intake = Intake()
    async with running(sessionmaker, intake, settle=1.0) as later:
        await _ingest(sessionmaker, intake, event_id, later, [VOTE])
        await _ingest(sessionmaker, intake, event_id, later, [CLOSE], first=2)
        assert not await later.drain(0.2), "suggested at once after the commit"
        assert await _marks(sessionmaker, event_id) == []
        assert await later.drain(10)
        assert len(await _marks(sessionmaker, event_id)) == 1
    async with sessionmaker() as s:
        passes = await s.scalars(
            select(AuditEntry.id).where(
                AuditEntry.event_id == event_id, AuditEntry.action == "suggestions_found"
            )
        )
        assert len(list(passes)) == 1, "the two batches were suggested for in two passes"


async def test_a_worker_started_again_after_a_stop_still_waits_after_the_commit(
    sessionmaker, event_id
):
    intake = Intake()
    later = SuggestLater(sessionmaker, settle=1.0)
    later.start(intake)
    await later.stop()  # a collector stopped, then started again
    later.start(intake)
    try:
        await _ingest(sessionmaker, intake, event_id, later, [VOTE, CLOSE])
        assert not await later.drain(0.2), "suggested at once after the commit"
        assert await later.drain(10)
    finally:
        await later.stop()
    assert len(await _marks(sessionmaker, event_id)) == 1


async def test_a_collector_that_stays_behind_gets_its_marks_after_the_patience(
    sessionmaker, event_id
):
    intake = Intake()
    async with running(sessionmaker, intake, patience=0.05) as later:
        later.catching_up(True)  # and never caught up: a flood that lasts
        await _ingest(sessionmaker, intake, event_id, later, [VOTE, CLOSE])
        assert await later.drain(10)
        assert len(await _marks(sessionmaker, event_id)) == 1


async def test_stop_does_not_wait_for_a_collector_behind(sessionmaker, event_id):
    intake = Intake()
    later = SuggestLater(sessionmaker, patience=60)
    later.start(intake)
    later.catching_up(True)
    await _ingest(sessionmaker, intake, event_id, later, [VOTE, CLOSE])
    await later.stop(within=10)
    assert len(await _marks(sessionmaker, event_id)) == 1


async def _pending(sessionmaker, event_id):
    async with sessionmaker() as s:
        rows = await s.scalars(
            select(Question.id).where(Question.event_id == event_id, Question.suggest_pending)
        )
        return list(rows)


async def test_a_restart_finds_the_suggestions_a_killed_process_left(sessionmaker, event_id):
    # A worker that never runs: the process was killed after the batch's commit.
    killed = SuggestLater(sessionmaker)
    await _ingest(sessionmaker, Intake(), event_id, killed, [VOTE, CLOSE])
    assert len(await _pending(sessionmaker, event_id)) == 2
    assert await _marks(sessionmaker, event_id) == []
    # The next start, with nothing in memory.
    async with running(sessionmaker, Intake()) as restarted:
        assert await restarted.drain(10)
    assert len(await _marks(sessionmaker, event_id)) == 1
    assert await _pending(sessionmaker, event_id) == []


async def test_two_workers_never_store_a_question_s_suggestions_twice(sessionmaker, event_id):
    """A collector's worker still holding its batches while another process's worker, just
    started, finds the first batch's questions pending: whichever stores first stores them,
    once, and the rest of the pass (a later batch's) is stored all the same."""
    behind = SuggestLater(sessionmaker)  # has the batches queued, not yet worked on
    await _ingest(sessionmaker, Intake(), event_id, behind, [VOTE, CLOSE])
    async with running(sessionmaker, Intake()) as other:
        assert await other.drain(10)
        first = await _marks(sessionmaker, event_id)
        assert len(first) == 1
        later = await _ingest(sessionmaker, Intake(), event_id, behind, [AGAIN], first=3)
        assert later[0].outcome is Outcome.created
        behind.start(Intake())
        try:
            assert await behind.drain(10)
        finally:
            await behind.stop()
    marks = await _marks(sessionmaker, event_id)
    assert len(marks) == len(set(marks)) > len(first), marks
    assert await _pending(sessionmaker, event_id) == []


async def test_questions_suggested_at_once_are_never_pending(sessionmaker, event_id):
    """The API's asks find their suggestions in their own transaction: nothing is left over."""
    await _ingest(sessionmaker, Intake(), event_id, None, [VOTE, CLOSE])
    assert await _pending(sessionmaker, event_id) == []
    assert len(await _marks(sessionmaker, event_id)) == 1


async def test_marks_found_later_reach_the_live_streams(sessionmaker, event_id):
    """The streams and cached pages learn of marks from the audit trail: a pass names the rows
    it marked, as a merge names the rows whose mark it moved."""
    from app.live.render import touched

    async with running(sessionmaker, Intake()) as later:
        await _ingest(sessionmaker, Intake(), event_id, later, [VOTE, CLOSE])
        assert await later.drain(10)
    (marked, _, _), *_ = await _marks(sessionmaker, event_id)
    async with sessionmaker() as s:
        entries = list(
            await s.scalars(
                select(AuditEntry).where(
                    AuditEntry.event_id == event_id, AuditEntry.action == "suggestions_found"
                )
            )
        )
    assert [touched(e) for e in entries] == [{marked}]


async def test_a_batch_still_being_read_is_never_suggested_into():
    """The worker runs between the next batch's awaits: that batch's questions sit in the
    index under provisional ids (below zero) until their insert."""
    from datetime import UTC, datetime

    from intake.matching import IndexRegistry, LexicalMatcher
    from intake.suggestions import find_suggestions
    from intake.text.normalize import normalize

    index = IndexRegistry(LexicalMatcher()).get(1)

    async def suggested_for_close() -> list[int]:
        rows = await find_suggestions(
            event_id=1,
            index=index,
            meaning=None,
            new=[(5, normalize(CLOSE))],
            blocked={},
            now=datetime.now(UTC),
        )
        return [r["into_id"] for r in rows]

    index.upsert(-1, normalize(VOTE))  # the next batch's, not committed
    index.upsert(5, normalize(CLOSE))
    assert await suggested_for_close() == []
    index.upsert(4, normalize(VOTE))  # committed before it: suggested
    assert await suggested_for_close() == [4]


async def test_a_long_backlog_is_marked_a_pass_at_a_time(sessionmaker, event_id, monkeypatch):
    """A restart after a long flood: each pass stores its marks as it ends, so the first rows
    are marked long before the last (here a pass of two questions)."""
    from intake import suggest_later

    monkeypatch.setattr(suggest_later, "_PASS", 2)
    killed = SuggestLater(sessionmaker)
    await _ingest(sessionmaker, Intake(), event_id, killed, [VOTE, CLOSE, RESULTS, AGAIN])
    restarted = SuggestLater(sessionmaker)
    passes: list[int] = []
    real = restarted._suggest

    async def counted(intake, items):
        passes.append(sum(len(i.questions) for i in items))
        await real(intake, items)

    monkeypatch.setattr(restarted, "_suggest", counted)
    restarted.start(Intake())
    try:
        assert await restarted.drain(10)
    finally:
        await restarted.stop()
    assert passes == [2, 2]
    assert await _pending(sessionmaker, event_id) == []
