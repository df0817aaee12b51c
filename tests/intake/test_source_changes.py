"""A question hidden by a change at its source (its message deleted, its author banned) names
the rows marked as its likely duplicates, so the live stream resends them without the mark."""

from __future__ import annotations

from sqlalchemy import select

from intake.ingest import Intake, ingest
from intake.source_changes import hide_author, remove_ask
from models import AuditEntry, Platform, Suggestion, SuggestionStatus
from tests.factories import make_ask, make_event

VOTE = "When does the board election voting close?"
CLOSE = "When do board election votes stop being accepted?"


async def _marked_pair(session, intake):
    event = await make_event(session)
    asks = [
        make_ask(text=VOTE, message_id="1", author_id="a"),
        make_ask(text=CLOSE, message_id="2", author_id="b"),
    ]
    vote, close = await ingest(session, intake=intake, event_id=event.id, asks=asks)
    into = await session.scalar(
        select(Suggestion.into_id).where(
            Suggestion.question_id == close.question_id,
            Suggestion.status == SuggestionStatus.open,
        )
    )
    assert into == vote.question_id  # the row of CLOSE is marked "maybe the same as" VOTE
    return event.id, vote.question_id, close.question_id


async def _last_entry(session, event_id):
    return await session.scalar(
        select(AuditEntry).where(AuditEntry.event_id == event_id).order_by(AuditEntry.id.desc())
    )


class TestHiddenAtSource:
    async def test_a_deleted_message_names_the_marked_rows(self, session):
        intake = Intake()
        event_id, vote, close = await _marked_pair(session, intake)
        await remove_ask(
            session,
            intake=intake,
            event_ids=[event_id],
            platform=Platform.telegram,
            source_id="-1001",
            message_id="1",
        )
        entry = await _last_entry(session, event_id)
        assert (entry.action, entry.question_id) == ("ask_removed", vote)
        assert entry.detail["hidden"] is True and entry.detail["marks"] == [close]

    async def test_a_banned_author_of_an_unmarked_question_names_none(self, session):
        intake = Intake()
        event_id, vote, close = await _marked_pair(session, intake)
        await hide_author(
            session, intake=intake, event_id=event_id, platform=Platform.telegram, author_id="b"
        )
        entry = await _last_entry(session, event_id)
        assert (entry.action, entry.question_id) == ("ask_removed", close)
        assert entry.detail["hidden"] is True and "marks" not in entry.detail
