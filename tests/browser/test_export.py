"""Export from the dashboard: format, scope, names for hosts, a preview, download and copy."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from models import Role
from tests.browser.test_dashboard import keep_screenshot

pytestmark = pytest.mark.browser


class TestExportDialog:
    def test_preview_copy_and_download(self, pages, server, event_id, tmp_path):
        server.ingest(event_id, ["Wann öffnet die Bibliothek?", "Ist [[Hauptseite]] geschützt?"],
                      authors=["Ada", "Bea"])  # fmt: skip
        page = pages.open(f"/events/{event_id}")
        page.context.grant_permissions(["clipboard-read", "clipboard-write"])
        page.click("#export-open")
        preview = page.locator("#ex-preview")
        expect(preview).to_contain_text("# Unanswered questions — Conversation hour")
        expect(preview).to_contain_text("Wann öffnet die Bibliothek?")
        expect(preview).not_to_contain_text("Ada")
        page.check("#ex-names")
        expect(preview).to_contain_text("Ada")
        page.uncheck("#ex-names")
        page.select_option("#ex-format", "wikitext")
        expect(preview).to_contain_text("== Unanswered questions — Conversation hour ==")
        expect(preview).to_contain_text("<nowiki>Ist [[Hauptseite]] geschützt?</nowiki>")
        page.screenshot(path=tmp_path / "export.png")
        page.click("#ex-copy")
        expect(page.locator(".toast")).to_contain_text("Copied")
        copied = page.evaluate("navigator.clipboard.readText()")
        assert copied.startswith("== Unanswered questions") and "Wann öffnet" in copied
        page.select_option("#ex-format", "csv")
        expect(page.locator("#ex-copy")).to_be_hidden()
        expect(preview).to_contain_text("id,question,status")
        with page.expect_download() as got:
            page.click("#ex-download")
        body = open(got.value.path(), "rb").read()
        assert body.startswith(b"\xef\xbb\xbfid,question")
        assert "Wann öffnet die Bibliothek?" in body.decode("utf-8-sig")
        assert got.value.suggested_filename.endswith("-unanswered.csv")
        page.uncheck("#ex-bom")
        with page.expect_download() as got:
            page.click("#ex-download")
        assert open(got.value.path(), "rb").read().startswith(b"id,question")
        page.select_option("#ex-status", "answered")
        expect(page.locator("#ex-preview")).to_have_text(
            "id,question,status,asked,upvotes,score,where,note,first_asked_at"
        )
        keep_screenshot(tmp_path / "export.png")

    def test_a_viewer_exports_without_a_names_switch(self, pages, server, event_id):
        server.ingest(event_id, ["Is the budget public?"], authors=["Ada"])
        page = pages.open(f"/events/{event_id}", role=Role.viewer)
        page.click("#export-open")
        expect(page.locator("#ex-preview")).to_contain_text("Is the budget public?")
        expect(page.locator("#ex-names")).to_have_count(0)
