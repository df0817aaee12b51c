"""The presenter view as an OBS browser source: transparent, legible, and never cut off."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import expect

from tests.api_client import ADMIN
from tests.browser.png import rgba_pixels
from tests.browser.test_dashboard import keep_screenshot

pytestmark = pytest.mark.browser


def on_air(server, qid):
    with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {ADMIN}"}) as c:
        c.patch(f"/api/v1/questions/{qid}", json={"status": "on_air"}).raise_for_status()


# The page's CSP allows no eval, which a string page.wait_for_function needs as soon as its
# predicate is not true on the first try: these waits are Playwright's locator assertions.
def idle_shown(page):
    expect(page.locator("#p-idle:not([hidden])")).to_be_attached()


def fitted(page, qid):
    """The presenter view has fitted the question's text to the frame."""
    expect(page.locator("#stage")).to_have_attribute("data-fitted", str(qid))


def alpha(page, **clip):
    width, height, pixels = rgba_pixels(page.screenshot(omit_background=True, **clip))
    return [p[3] for p in pixels]


class TestTransparentOverlay:
    def test_nothing_on_air_is_a_fully_transparent_frame(self, pages, server, event_id):
        page = pages.open(f"/events/{event_id}/present?transparent=1", width=640, height=360)
        expect(page.locator("#p-idle")).to_be_attached()
        idle_shown(page)
        alphas = alpha(page)
        assert max(alphas) == 0, f"{sum(a > 0 for a in alphas)} of {len(alphas)} pixels painted"

    def test_a_question_on_air_paints_only_its_text_outlined(self, pages, server, event_id):
        [qid] = server.ingest(event_id, ["Will the library open on Sundays?"])
        page = pages.open(f"/events/{event_id}/present?transparent=1", width=960, height=540)
        on_air(server, qid)
        expect(page.locator("#p-text")).to_have_text("Will the library open on Sundays?")
        fitted(page, qid)
        alphas = alpha(page)
        painted = sum(a > 0 for a in alphas)
        # The text and its outline, nothing else: most of the frame stays see-through.
        assert 0 < painted < len(alphas) * 0.4
        corner = alpha(page, clip={"x": 0, "y": 0, "width": 40, "height": 40})
        assert max(corner) == 0
        shadow = page.evaluate("getComputedStyle(document.getElementById('p-text')).textShadow")
        assert shadow.count("rgb(0, 0, 0)") >= 2  # an outline, legible on white video too
        root = page.evaluate("getComputedStyle(document.documentElement).backgroundColor")
        assert root in ("rgba(0, 0, 0, 0)", "transparent")


class TestLayouts:
    LONG = ("Why " + "does the council keep postponing the vote on the harbour plan " * 70)[
        :4096
    ].rstrip() + "?"

    @pytest.mark.parametrize("layout", ["lower", "full"])
    def test_a_4096_character_question_fits_an_800_by_200_band(
        self, pages, server, event_id, layout
    ):
        [qid] = server.ingest(event_id, [self.LONG], authors=["Ada"])
        url = f"/events/{event_id}/present?transparent=1&layout={layout}"
        page = pages.open(url, width=800, height=200)
        idle_shown(page)
        on_air(server, qid)
        expect(page.locator("#p-meta")).to_have_text("Asked by 1 person")
        fitted(page, qid)
        meta = page.locator("#p-meta").bounding_box()
        text = page.locator("#p-text").bounding_box()
        assert meta["y"] >= 0 and meta["y"] + meta["height"] <= 200, meta
        assert text["y"] + text["height"] <= meta["y"] + 1, (text, meta)
        assert page.evaluate("document.documentElement.scrollHeight") <= 200
        size = page.evaluate(
            "parseFloat(getComputedStyle(document.getElementById('p-text')).fontSize)"
        )
        assert size >= 14

    def test_a_short_question_stays_large_in_a_full_hd_lower_third(
        self, pages, server, event_id, tmp_path
    ):
        [qid] = server.ingest(event_id, ["Can we get the slides afterwards?"], authors=["Lin"])
        url = f"/events/{event_id}/present?transparent=1&layout=lower&names=1"
        page = pages.open(url, width=1280, height=720)
        on_air(server, qid)
        fitted(page, qid)
        band = page.locator("#on-air").bounding_box()
        assert band["y"] > 720 * 0.6  # at the bottom
        assert band["y"] + band["height"] <= 720
        expect(page.locator("#p-names li")).to_have_text(["Lin"])
        assert max(alpha(page, clip={"x": 0, "y": 0, "width": 1280, "height": 300})) == 0
        page.screenshot(path=tmp_path / "overlay-lower-third.png", omit_background=True)
        keep_screenshot(tmp_path / "overlay-lower-third.png")

    def test_an_unknown_layout_is_refused_by_name(self, pages, server, event_id):
        page = pages.open(f"/events/{event_id}/present?layout=sideways")
        assert "layout" in page.content()
