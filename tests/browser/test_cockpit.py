"""The queue page's rough edges a real event hits: conflicts, search, on air, notices."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import fresh_database
from tests.browser.server import LiveServer
from tests.browser.test_dashboard import (
    api,
    exact_row,
    keep_screenshot,
    live_queue,
    question,
    row,
)
from tests.browser.waits import wait_until

pytestmark = pytest.mark.browser


class TestDraftsSurvive:
    def test_a_pin_and_a_new_ask_do_not_throw_an_edit_away(self, pages, server, event_id):
        [qid] = server.ingest(event_id, ["Is the budget public?"])
        page = live_queue(pages, event_id)
        expect(row(page, "budget")).to_be_visible()
        page.keyboard.press("e")
        page.fill("#dialog-text", "Is the 2027 budget public?")
        with api(server) as c:
            c.patch(f"/api/v1/questions/{qid}", json={"pinned": True}).raise_for_status()
        server.ingest(event_id, ["is the budget public"])
        expect(row(page, "budget").locator(".asked")).to_have_text("2 asked ▾")
        page.click("#dialog-ok")
        expect(exact_row(page, "Is the 2027 budget public?")).to_be_visible()
        q = question(server, qid)
        assert (q.text, q.pinned, q.ask_count) == ("Is the 2027 budget public?", True, 2)

    def test_a_real_conflict_keeps_the_draft_and_shows_both(self, pages, server, event_id):
        [qid] = server.ingest(event_id, ["Is the budget public?"])
        page = live_queue(pages, event_id)
        expect(row(page, "budget")).to_be_visible()
        page.keyboard.press("n")
        page.fill("#dialog-text", "Ask the treasurer")
        with api(server) as c:
            c.patch(f"/api/v1/questions/{qid}", json={"note": "Finance team"}).raise_for_status()
        page.click("#dialog-ok")
        expect(page.locator("#form-dialog")).to_be_visible()
        expect(page.locator("#dialog-theirs-text")).to_have_text("Finance team")
        expect(page.locator("#dialog-text")).to_have_value("Ask the treasurer")
        expect(page.locator(".toast.warn")).to_contain_text("Someone else changed the note")
        page.click("#dialog-ok")
        expect(row(page, "budget").locator(".note")).to_have_text("Ask the treasurer")
        assert question(server, qid).note == "Ask the treasurer"


class TestSearch:
    def test_escape_empties_the_box_and_the_filter(self, pages, server, event_id):
        server.ingest(event_id, ["Is the budget public?", "When is the next meeting?"])
        page = live_queue(pages, event_id)
        expect(page.locator("#queue li.q")).to_have_count(2)
        page.keyboard.press("/")
        page.keyboard.type("budget")
        expect(page.locator("#queue li.q")).to_have_count(1)
        page.keyboard.press("Escape")
        expect(page.locator("#search")).to_have_value("")
        expect(page.locator("#queue li.q")).to_have_count(2)
        page.keyboard.press("j")  # the keys work again at once
        expect(page.locator("#queue li.q.selected")).to_have_count(1)


class TestBidi:
    def test_override_characters_cannot_reorder_what_is_shown(self, pages, server, event_id):
        spoof = "Is safe\u202egpj.exe a picture?"
        [qid] = server.ingest(event_id, [spoof], authors=["Eve\u2067 admin"])
        page = live_queue(pages, event_id, width=1280)
        page.check("#names")
        text = row(page, "safe").locator(".q-text")
        expect(text).to_have_text("Is safegpj.exe a picture?")
        row(page, "safe").locator(".asked").click()
        expect(row(page, "safe").locator(".ask .author")).to_have_text("Eve admin")
        with api(server) as c:
            c.patch(f"/api/v1/questions/{qid}", json={"status": "on_air"}).raise_for_status()
            made = c.post("/api/v1/events", json={"title": "Budget \u202enight"}).json()
            assert made["title"] == "Budget night"
        presenter = pages.open(f"/events/{event_id}/present?names=1")
        expect(presenter.locator("#p-text")).to_have_text("Is safegpj.exe a picture?")
        expect(presenter.locator("#p-names li")).to_have_text(["Eve admin"])


class TestSmallNotices:
    def test_the_open_tab_counts_the_question_on_air_it_shows(self, pages, server, event_id):
        first, _ = server.ingest(event_id, ["Is the budget public?", "When is the next meeting?"])
        with api(server) as c:
            c.patch(f"/api/v1/questions/{first}", json={"status": "on_air"}).raise_for_status()
        page = live_queue(pages, event_id)
        expect(page.locator("#queue li.q")).to_have_count(2)
        expect(page.locator('[data-count="open"]')).to_have_text("2")
        expect(page.locator('[data-count="on_air"]')).to_have_text("1")

    def test_a_question_added_in_review_mode_says_where_it_went(self, pages, server, event_id):
        with api(server) as c:
            c.patch(f"/api/v1/events/{event_id}", json={"review": True}).raise_for_status()
        page = live_queue(pages, event_id)
        page.fill("#add-text", "Read out in the room: is the hall accessible?")
        page.click("#add-form button")
        expect(page.locator(".toast")).to_contain_text("It waits in Pending")
        expect(page.locator('[data-count="pending"]')).to_have_text("1")

    def test_a_viewer_help_lists_only_the_keys_that_work(self, pages, server, event_id):
        from models import Role

        page = live_queue(pages, event_id, role=Role.viewer)
        page.click("#help-open")
        keys = page.locator("#help dt").all_inner_texts()
        assert "j / k" in keys and "/" in keys
        assert not {"o", "a", "d", "u", "p"} & set(keys), keys


class TestOwnUpvote:
    def test_u_twice_counts_once_and_says_so(self, pages, server, event_id):
        [qid] = server.ingest(event_id, ["Is the budget public?"])
        page = live_queue(pages, event_id)
        expect(row(page, "budget")).to_be_visible()
        page.keyboard.press("u")
        expect(row(page, "budget").locator(".votes")).to_have_text("▲ 1")
        page.keyboard.press("u")
        expect(page.locator(".toast.warn")).to_contain_text(f"You already gave #{qid} a +1.")
        expect(row(page, "budget").locator(".votes")).to_have_text("▲ 1")
        assert question(server, qid).upvotes == 1


class TestNewsBar:
    def test_the_bar_neither_pushes_rows_nor_covers_the_selection(self, pages, server, event_id):
        words = "alpha bravo charlie delta echo foxtrot golf hotel".split()
        server.ingest(event_id, [f"Question {w} for the panel?" for w in words])
        page = live_queue(pages, event_id, height=600)
        expect(page.locator("#queue li.q")).to_have_count(8)
        page.keyboard.press("j")
        page.keyboard.press("j")  # the third row is selected
        selected = page.locator("#queue li.q.selected")
        # Scrolled so the selected row sits at the very top of the window.
        page.evaluate(
            "window.scrollTo({top: document.querySelector('#queue li.q.selected')"
            ".getBoundingClientRect().top + window.scrollY - 4, behavior: 'instant'})"
        )
        wait_until(page, "window.scrollY > 100")
        page.hover("#queue li.q.selected")
        before = selected.bounding_box()
        assert before["y"] < 70  # at the top (below the bar's place, scroll-margin permitting)
        server.ingest(event_id, ["Who chairs the board next year?"])
        expect(page.locator("#news")).to_have_text("1 new — show")
        after = selected.bounding_box()
        assert abs(after["y"] - before["y"]) < 1, (before, after)
        bar = page.locator("#news").bounding_box()
        covers = bar["y"] + bar["height"] > after["y"] and bar["y"] < after["y"] + after["height"]
        assert not covers, (bar, after)
        page.click("#news")
        expect(page.locator("#queue li.q")).to_have_count(9)

    def test_the_bar_does_not_push_the_rows_down_at_the_top(self, pages, server, event_id):
        server.ingest(event_id, ["Is the budget public?"])
        page = live_queue(pages, event_id)
        page.hover("#queue li.q")
        before = page.locator("#queue li.q").first.bounding_box()
        server.ingest(event_id, ["Who chairs the board next year?"])
        expect(page.locator("#news")).to_have_text("1 new — show")
        assert page.locator("#queue li.q").first.bounding_box()["y"] == before["y"]


class TestOnAirRace:
    def test_the_moderator_whose_question_left_the_air_is_told_and_the_row_goes_first(
        self, pages, server, event_id
    ):
        from models import Role

        mine, theirs = server.ingest(event_id, ["Is the budget public?", "Who chairs the board?"])
        with api(server) as c:  # theirs is the most asked: listed first
            c.post(f"/api/v1/questions/{theirs}/upvote").raise_for_status()
        page = live_queue(pages, event_id, role=Role.moderator)
        expect(page.locator("#queue li.q").first).to_contain_text("Who chairs")
        page.locator("#queue li.q").nth(1).click()
        page.keyboard.press("o")
        expect(page.locator("#queue li.q").first).to_contain_text("Is the budget public?")
        page.hover("#queue li.q >> nth=1")  # the pointer rests on the list
        with api(server) as c:
            c.patch(f"/api/v1/questions/{theirs}", json={"status": "on_air"}).raise_for_status()
        expect(page.locator(".toast.warn")).to_contain_text(
            f"#{mine}, which you put on air, went back to the queue: someone else put "
            f"#{theirs} on air."
        )
        expect(page.locator("#queue li.q").first).to_contain_text("Who chairs the board?")
        expect(page.locator("#queue li.q.on-air")).to_have_count(1)


class TestMergeDialog:
    def test_type_to_filter_then_merge_into_the_chosen_one(self, pages, server, event_id):
        ids = server.ingest(
            event_id,
            ["Is the budget public?", "Who chairs the board?", "When is Wikimania 2027?"],
        )
        page = live_queue(pages, event_id)
        exact_row(page, "Is the budget public?").locator(".q-text").click()
        page.keyboard.press("m")
        expect(page.locator("#merge-filter")).to_be_focused()
        expect(page.locator("#merge-list [role=option]")).to_have_count(2)
        expect(page.locator("#merge-ok")).to_have_text("Merge into …")
        page.keyboard.type("wikimania")
        expect(page.locator("#merge-list [role=option]:visible")).to_have_count(1)
        page.keyboard.press("ArrowDown")
        expect(page.locator("#merge-ok")).to_have_text(f"Merge into #{ids[2]}")
        page.keyboard.type("zzz")
        expect(page.locator("#merge-none")).to_be_visible()
        expect(page.locator("#merge-ok")).to_be_disabled()
        page.fill("#merge-filter", f"#{ids[1]}")
        page.keyboard.press("ArrowDown")
        page.click("#merge-ok")
        expect(page.locator("#queue li.q")).to_have_count(2)
        assert question(server, ids[0]).status.value == "hidden"
        assert question(server, ids[1]).ask_count == 2


class TestStatistics:
    # The server's clock, stopped 20 seconds into a minute: the event, its asks and the chart's
    # end all fall in that minute, whenever the test runs.
    AT = datetime(2026, 6, 1, 18, 30, 20, tzinfo=UTC)

    @pytest.fixture
    def server(self, databases):
        live = LiveServer(fresh_database(databases), clock=lambda: self.AT).start()
        yield live
        live.stop()

    def test_bars_span_the_chart_with_a_y_scale_and_follow_the_event(self, pages, server, event_id):
        server.ingest(event_id, ["Is the budget public?", "Who chairs the board?"])
        page = pages.open(f"/events/{event_id}/stats")
        expect(page.locator("#chart-title")).to_have_text("Asks per 1 minute, by platform")
        ticks = page.locator("#chart .y-tick").all_text_contents()
        assert ticks == ["0", "1", "2"], ticks
        bar = page.locator("#chart rect.bar").first
        x, width = float(bar.get_attribute("x")), float(bar.get_attribute("width"))
        assert x + width > 720 / 2  # one minute of a young event: the bar is not squeezed left
        expect(page.locator("#chart rect.bar")).to_have_count(1)
        expect(bar.locator("title")).to_have_text("18:30 telegram: 2 asks")
        expect(page.locator(".totals")).to_contain_text("2 asks")
        server.ingest(event_id, ["When is Wikimania?"])
        expect(page.locator(".totals")).to_contain_text("3 asks")
        expect(page.locator("#chart .y-tick")).to_have_text(["0", "2", "5"])


class TestUndo:
    def test_z_before_the_answer_undoes_the_action_once_it_lands(self, pages, server, event_id):
        # The live stream shows a pin before the PATCH is answered: a moderator who sees it and
        # presses z at once undoes the pin (not the action before it) once the answer lands.
        [qid] = server.ingest(event_id, ["Is the budget public?"])
        page = live_queue(pages, event_id)
        row(page, "budget").locator(".q-text").click()
        page.keyboard.press("a")  # an earlier undoable action: z must not undo this one
        expect(page.locator(".toast.undo")).to_contain_text(f"#{qid} is now answered.")
        page.locator(".toast.undo button").click()
        expect(row(page, "budget")).to_be_visible()
        held = []

        def hold(route):
            if route.request.method == "PATCH":
                held.append((route, route.fetch()))  # the server has pinned it
            else:
                route.continue_()

        page.route(f"**/api/v1/questions/{qid}", hold)
        row(page, "budget").locator(".q-text").click()
        page.keyboard.press("p")
        expect(row(page, "budget")).to_have_class(re.compile("pinned"))  # from the stream
        assert len(held) == 1 and question(server, qid).pinned
        page.keyboard.press("z")
        route, answer = held[0]
        route.fulfill(response=answer)
        expect(row(page, "budget")).not_to_have_class(re.compile("pinned"))
        expect(page.locator(".toast.undo")).to_have_count(0)
        page.unroute(f"**/api/v1/questions/{qid}")
        q = question(server, qid)
        assert (q.pinned, q.status.value) == (False, "open")

    def test_z_before_a_note_is_answered_takes_the_note_back(self, pages, server, event_id):
        [qid] = server.ingest(event_id, ["Is the budget public?"])
        page = live_queue(pages, event_id)
        held = []

        def hold(route):
            if route.request.method == "PATCH":
                held.append((route, route.fetch()))
            else:
                route.continue_()

        page.route(f"**/api/v1/questions/{qid}", hold)
        row(page, "budget").locator(".q-text").click()
        page.keyboard.press("n")
        page.keyboard.type("Finance team")
        page.keyboard.press("Enter")
        expect(row(page, "budget").locator(".note")).to_have_text("Finance team")
        page.keyboard.press("z")
        route, answer = held[0]
        route.fulfill(response=answer)
        expect(row(page, "budget").locator(".note")).to_be_hidden()
        page.unroute(f"**/api/v1/questions/{qid}")
        wait_until(page, "!document.querySelector('.toast.undo')")
        assert question(server, qid).note is None

    def test_the_last_action_can_be_undone_from_its_toast_or_with_z(self, pages, server, event_id):
        [qid] = server.ingest(event_id, ["Is the budget public?"])
        page = live_queue(pages, event_id)
        expect(row(page, "budget")).to_be_visible()
        page.keyboard.press("a")
        expect(row(page, "budget")).to_have_count(0)
        undo = page.locator(".toast.undo")
        expect(undo).to_contain_text(f"#{qid} is now answered.")
        undo.locator("button", has_text="Undo").click()
        expect(row(page, "budget")).to_be_visible()
        assert question(server, qid).status.value == "open"
        row(page, "budget").locator(".q-text").click()
        page.keyboard.press("p")
        expect(row(page, "budget")).to_have_class(re.compile("pinned"))
        page.keyboard.press("z")
        expect(row(page, "budget")).not_to_have_class(re.compile("pinned"))
        page.keyboard.press("n")
        page.keyboard.type("Finance team")
        page.keyboard.press("Enter")
        expect(row(page, "budget").locator(".note")).to_have_text("Finance team")
        page.keyboard.press("z")
        expect(row(page, "budget").locator(".note")).to_be_hidden()
        assert question(server, qid).note is None


class TestDensity:
    def test_compact_fits_about_twice_as_many_questions(self, pages, server, event_id, tmp_path):
        server.ingest(event_id, [f"Question number {i} about the annual plan?" for i in range(30)])
        page = live_queue(pages, event_id, height=900)
        expect(page.locator("#queue li.q")).to_have_count(30)
        fits = (
            "[...document.querySelectorAll('#queue li.q')]"
            ".filter((li) => li.getBoundingClientRect().bottom <= innerHeight).length"
        )
        page.mouse.move(5, 5)
        comfortable = page.evaluate(fits)
        page.click("#density")
        expect(page.locator("#density")).to_have_attribute("aria-pressed", "true")
        compact = page.evaluate(fits)
        assert compact >= 2 * comfortable - 1 and compact >= 10, (comfortable, compact)
        page.screenshot(path=tmp_path / "queue-compact.png")
        keep_screenshot(tmp_path / "queue-compact.png")
        page.reload()
        expect(page.locator("body")).to_have_class(re.compile("compact"))  # remembered
