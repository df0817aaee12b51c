"""Hand-added questions with text no store can hold (NUL, controls, bidi overrides) are cleaned
at intake, never a 500 (PostgreSQL refuses U+0000). A lone surrogate in a JSON body is refused
by validation (422) before it gets here; in an import file it is cleaned (test_import_jobs)."""

from __future__ import annotations

from sqlalchemy import select

from models import Ask


class TestHostileText:
    async def test_nul_controls_and_lone_surrogates_are_cleaned(self, client, event_id, session):
        body = (
            '{"text": "When does\\u0000 the \\u202evote\\u0007 close?",'
            ' "author": "A\\u0000da\\u0085", "source": "em\\u0000ail"}'
        )
        r = await client.post(
            f"/api/v1/events/{event_id}/questions",
            content=body.encode(),
            headers={"Content-Type": "application/json"},
        )
        assert r.status_code == 201, r.text
        assert r.json()["question"]["text"] == "When does the vote close?"
        ask = await session.scalar(select(Ask).where(Ask.event_id == event_id))
        assert ask is not None
        assert ask.text == "When does the vote close?"
        assert ask.author_name == "Ada" and ask.source_label == "email"

    async def test_text_that_is_only_controls_is_refused_as_empty(self, client, event_id):
        r = await client.post(
            f"/api/v1/events/{event_id}/questions", json={"text": "\u0000\u0001\u202e"}
        )
        assert r.status_code == 422, r.text
        assert "empty" in r.text
