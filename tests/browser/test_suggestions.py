"""Suggestions on the queue's rows in a real Chromium: the mark arrives live and follows the
earlier question, one key (or click) merges into it, another dismisses for good, and the review
lane."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from models import QuestionStatus
from tests.browser.test_dashboard import api, exact_row, live_queue, question, row

pytestmark = pytest.mark.browser

VOTE = "When does the board election voting close?"
CLOSE = "When do board election votes stop being accepted?"
BUDGET = "Is the foundation budget public?"
READ = "Can anyone read the foundation budget?"


class TestMark:
    def test_the_mark_arrives_live_and_one_key_merges(self, pages, server, event_id):
        [vote] = server.ingest(event_id, [VOTE])
        server.ingest(event_id, [VOTE])  # asked twice
        page = live_queue(pages, event_id)
        expect(row(page, VOTE).locator(".mark")).to_be_hidden()
        [close] = server.ingest(event_id, [CLOSE])
        mark = exact_row(page, CLOSE).locator(".mark")
        expect(mark).to_be_visible()
        expect(mark.locator(".mark-text")).to_have_text(f"maybe the same as #{vote} — asked 2×")
        exact_row(page, CLOSE).locator(".q-text").click()
        page.keyboard.press("s")
        expect(page.locator("#queue li.q")).to_have_count(1)
        expect(exact_row(page, VOTE).locator(".asked")).to_have_text(re.compile("^3 asked"))
        kept, gone = question(server, vote), question(server, close)
        assert kept.text == VOTE and kept.status is QuestionStatus.open and kept.ask_count == 3
        assert gone.status is QuestionStatus.hidden

    def test_a_click_merges_and_keeps_the_earlier_status(self, pages, server, event_id):
        [vote] = server.ingest(event_id, [VOTE])
        page = live_queue(pages, event_id)
        exact_row(page, VOTE).locator(".q-text").click()
        page.keyboard.press("o")  # on air
        expect(exact_row(page, VOTE)).to_have_class(re.compile("on-air"))
        server.ingest(event_id, [CLOSE])
        page.click("#news")  # held back while the host's pointer is on the list
        exact_row(page, CLOSE).locator(".mark-merge").click()
        expect(exact_row(page, CLOSE)).to_have_count(0)
        expect(exact_row(page, VOTE)).to_have_class(re.compile("on-air"))
        assert question(server, vote).status is QuestionStatus.on_air

    def test_one_key_dismisses_for_good(self, pages, server, event_id):
        [vote, close] = server.ingest(event_id, [VOTE, CLOSE])
        page = live_queue(pages, event_id)
        mark = exact_row(page, CLOSE).locator(".mark")
        expect(mark).to_be_visible()
        exact_row(page, CLOSE).locator(".q-text").click()
        page.keyboard.press("i")
        expect(mark).to_be_hidden()
        expect(page.locator("#queue li.q")).to_have_count(2)
        page.reload()
        expect(page.locator("#conn")).to_have_text("● live")
        expect(exact_row(page, CLOSE)).to_be_visible()
        expect(exact_row(page, CLOSE).locator(".mark")).to_be_hidden()
        assert question(server, close).status is QuestionStatus.open
        assert question(server, vote).ask_count == 1


class TestMarkFollowsTheEarlierQuestion:
    def test_its_count_and_text_follow_live(self, pages, server, event_id):
        [vote, _close] = server.ingest(event_id, [VOTE, CLOSE])
        page = live_queue(pages, event_id)
        mark = exact_row(page, CLOSE).locator(".mark-text")
        expect(mark).to_have_text(f"maybe the same as #{vote} — asked 1×")
        with api(server) as c:  # the earlier question is asked again; only its row is re-sent
            r = c.post(f"/api/v1/events/{event_id}/questions", json={"text": VOTE})
            assert r.status_code == 201 and r.json()["question"]["id"] == vote, r.text
            expect(exact_row(page, VOTE).locator(".asked")).to_have_text(re.compile("^2 asked"))
            expect(mark).to_have_text(f"maybe the same as #{vote} — asked 2×")
            r = c.patch(f"/api/v1/questions/{vote}", json={"text": f"{VOTE} (board)"})
            assert r.status_code == 200, r.text
        expect(mark).to_have_attribute("title", re.compile(rf"^{re.escape(VOTE)} \(board\)\n"))

    def test_it_goes_while_the_earlier_question_is_hidden(self, pages, server, event_id):
        [vote, _close] = server.ingest(event_id, [VOTE, CLOSE])
        page = live_queue(pages, event_id)
        mark = exact_row(page, CLOSE).locator(".mark")
        expect(mark).to_be_visible()
        with api(server) as c:
            assert c.patch(f"/api/v1/questions/{vote}", json={"status": "hidden"}).is_success
            expect(exact_row(page, VOTE)).to_have_count(0)
            expect(mark).to_be_hidden()
            assert c.patch(f"/api/v1/questions/{vote}", json={"status": "open"}).is_success
        expect(mark).to_be_visible()
        expect(mark.locator(".mark-text")).to_have_text(f"maybe the same as #{vote} — asked 1×")


class TestReviewLane:
    def test_lists_open_suggestions_most_asked_first_and_clears_by_key(
        self, pages, server, event_id
    ):
        server.ingest(event_id, [VOTE, CLOSE, BUDGET, READ, READ.lower()])
        page = live_queue(pages, event_id)
        lane = page.locator('[data-tab="suggested"]')
        expect(lane.locator(".count")).to_have_text("2")
        lane.click()
        rows = page.locator("#queue li.q .q-text")
        expect(rows).to_have_text([READ, CLOSE])
        page.keyboard.press("s")  # the first row is selected: merged into the budget question
        expect(rows).to_have_text([CLOSE])
        page.keyboard.press("i")
        expect(rows).to_have_count(0)
        expect(lane.locator(".count")).to_have_text("0")
        page.locator('[data-tab="open"]').click()
        expect(page.locator("#queue li.q")).to_have_count(3)

    def test_a_mark_follows_its_question_merged_elsewhere_live(self, pages, server, event_id):
        [vote, close, budget] = server.ingest(event_id, [VOTE, CLOSE, BUDGET])
        page = live_queue(pages, event_id)
        lane = page.locator('[data-tab="suggested"]')
        lane.click()
        mark = exact_row(page, CLOSE).locator(".mark-text")
        expect(mark).to_have_text(f"maybe the same as #{vote} — asked 1×")

        async def elsewhere(s):  # another moderator merges the vote question into the budget one
            from app.questions import service

            intake = server.app.state.intake
            taken = await service.take_question(s, intake=intake, question_id=vote)
            await service.merge(s, intake=intake, question=taken, into_id=budget, actor="host")

        server.session(elsewhere)
        expect(mark).to_have_text(f"maybe the same as #{budget} — asked 2×")
        expect(lane.locator(".count")).to_have_text("1")
        page.keyboard.press("j")
        page.keyboard.press("s")
        expect(page.locator("#queue li.q")).to_have_count(0)
        expect(lane.locator(".count")).to_have_text("0")
        assert question(server, budget).ask_count == 3
