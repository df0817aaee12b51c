"""Votes applied together: in order, one per voter per question, counted in the database."""

from __future__ import annotations

from sqlalchemy import select

from intake.ingest import Intake, ingest
from intake.votes import VoteIn, upvotes
from models import AuditEntry, Platform, Question, Vote
from tests.factories import make_ask, make_event


async def _two_questions(session, intake):
    event = await make_event(session)
    results = await ingest(
        session,
        intake=intake,
        event_id=event.id,
        asks=[
            make_ask(text="Is parking free?", message_id="1", author_id="a"),
            make_ask(text="Where is the venue?", message_id="2", author_id="b"),
        ],
    )
    return event, [r.question_id for r in results]


async def test_votes_in_order_one_per_voter(session):
    intake = Intake()
    event, (parking, venue) = await _two_questions(session, intake)
    held = await session.get(Question, parking)  # the session holds this object
    changed = await upvotes(
        session,
        intake=intake,
        platform=Platform.telegram,
        votes=[
            VoteIn(parking, "v1"),
            VoteIn(parking, "v1"),  # the same voter again: no change
            VoteIn(parking, "v2"),
            VoteIn(parking, "v2", weight=0, replace=True),  # v2 takes the vote back
            VoteIn(venue, "counts", weight=5, replace=True),
            VoteIn(venue, "counts", weight=3, replace=True),
            VoteIn(venue, "v9", weight=0, replace=True),  # withdrawing no vote: nothing
            VoteIn(999_999, "v1"),  # no such question
        ],
    )
    assert changed == [True, False, True, True, True, True, False, False]
    # The object the session held follows the counts written in the database.
    assert (held.upvotes, held.score) == (1, 2)
    rows = {
        q.id: (q.upvotes, q.score)
        for q in await session.scalars(
            select(Question)
            .where(Question.event_id == event.id)
            .execution_options(populate_existing=True)
        )
    }
    assert rows == {parking: (1, 2), venue: (3, 4)}
    votes = sorted(
        (v.question_id, v.voter_key, v.weight) for v in await session.scalars(select(Vote))
    )
    assert votes == sorted([(parking, "v1", 1), (venue, "counts", 3)])
    trail = [
        (a.question_id, a.detail["upvotes"])
        for a in await session.scalars(
            select(AuditEntry).where(AuditEntry.action == "upvoted").order_by(AuditEntry.id)
        )
    ]
    assert trail == [(parking, 1), (parking, 2), (parking, 1), (venue, 5), (venue, 3)]


async def test_a_later_batch_sees_earlier_votes(session):
    intake = Intake()
    _, (parking, _venue) = await _two_questions(session, intake)
    await upvotes(session, intake=intake, platform=Platform.youtube, votes=[VoteIn(parking, "v1")])
    again = await upvotes(
        session,
        intake=intake,
        platform=Platform.youtube,
        votes=[VoteIn(parking, "v1"), VoteIn(parking, "v3")],
    )
    assert again == [False, True]
    question = await session.get(Question, parking)
    assert question is not None and question.upvotes == 2 and question.version >= 3
