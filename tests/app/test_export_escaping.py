"""Exports stay plain text whatever the chat says: no live link, no markup, no formula.

Checked with the parsers that matter: GitHub's own Markdown renderer (cmark-gfm, autolinks on)
and mwparserfromhell for wikitext; Hypothesis writes the hostile text.
"""

from __future__ import annotations

import html
import re

import cmarkgfm
import mwparserfromhell
import pytest
from cmarkgfm.cmark import Options
from hypothesis import example, given, settings
from hypothesis import strategies as st
from mwparserfromhell.nodes import Tag, Text

from app.exports import markdown, wikitext
from app.exports.csv_format import cell

# Pieces that make links and markup, mixed with arbitrary text.
_PIECES = [
    *"htpsfw.:/@<>[]()*_`~!#|\\&;=+-aAeE1 \t\n\r'\"{}",
    "https://",
    "HTTPS://",
    "Http://",
    "www.",
    "WWW.",
    "mailto:",
    "MAILTO:",
    "ftp://",
    "irc://",
    "xmpp:",
    "user@host.org",
    "&amp;",
    "&#58;",
    "</nowiki>",
    "<nowiki>",
    "{{",
    "}}",
    "[[",
    "]]",
    "~~~~",
    "__TOC__",
    "ISBN 0123456789",
    "\x00",
    "\u2060",
    "\u202e",
]
HOSTILE = st.one_of(st.text(), st.lists(st.sampled_from(_PIECES), max_size=40).map("".join))
PROPERTY = settings(max_examples=400, deadline=None, derandomize=True)
_GFM = ["autolink", "strikethrough", "table", "tagfilter", "tasklist"]


def _gfm(md: str) -> str:
    return cmarkgfm.markdown_to_html_with_extensions(
        md, options=Options.CMARK_OPT_UNSAFE, extensions=_GFM
    )


def _shown(text: str) -> str:
    """What a reader should see: the text with controls dropped and whitespace collapsed."""
    return " ".join(re.sub(r"[\x00-\x08\x0e-\x1f\x7f]", "", text).split())


class TestMarkdown:
    @pytest.mark.parametrize(
        "text",
        [
            "see https://example.org/x",
            "HTTPS://EXAMPLE.ORG",
            "visit www.example.org today",
            "WWW.example.org",
            "mailto:ada@example.org",
            "write to ada@example.org",
            "xmpp:ada@example.org",
            "<https://example.org>",
            "[click](https://example.org)",
            "![img](https://example.org/x.png)",
        ],
    )
    def test_no_live_link_on_github(self, text):
        out = _gfm("- " + markdown.escape(text) + "\n")
        assert "<a " not in out and "<img" not in out, out

    @PROPERTY
    @given(HOSTILE)
    @example("www.:")
    @example("a@b.co")
    def test_renders_as_the_text_itself(self, text):
        shown = _shown(text)
        out = _gfm("- " + markdown.escape(text) + "\n").strip()
        if not shown:
            return
        assert out.startswith("<ul>\n<li>") and out.endswith("</li>\n</ul>"), out
        body = out[len("<ul>\n<li>") : -len("</li>\n</ul>")]
        assert "<" not in body, f"markup in {body!r}"
        assert html.unescape(body).replace(markdown.WORD_JOINER, "") == shown.replace(
            markdown.WORD_JOINER, ""
        )


class TestWikitext:
    @pytest.mark.parametrize(
        "text",
        [
            "see https://example.org",
            "HTTPS://EXAMPLE.ORG",
            "ftp://example.org/file",
            "irc://irc.example.org/chan",
            "mailto:ada@example.org",
            "news:comp.lang",
            "[[Main Page]]",
            "{{delete}}",
            "{{subst:foo}}",
            "ends with </nowiki> {{x}}",
        ],
    )
    def test_links_and_templates_are_nowiki(self, text):
        out = wikitext.escape(text)
        assert out.startswith("<nowiki>") and out.endswith("</nowiki>"), out
        assert out.count("</nowiki>") == 1

    @PROPERTY
    @given(HOSTILE)
    @example(":\x00")
    def test_plain_text_or_one_nowiki(self, text):
        out = wikitext.escape(text)
        nodes = mwparserfromhell.parse(out).nodes
        if out.startswith("<nowiki>"):
            assert len(nodes) == 1 and isinstance(nodes[0], Tag), nodes
            assert str(nodes[0].tag) == "nowiki"
            inner = out[len("<nowiki>") : -len("</nowiki>")]
            assert "<" not in inner and ">" not in inner
            assert html.unescape(inner) == _shown(text)
        else:
            assert all(isinstance(n, Text) for n in nodes), nodes
            assert out == _shown(text)
            # No scheme (MediaWiki links free URLs of any case) and no markup character.
            assert not re.search(r"[a-z][a-z0-9+.\-]*:", out, re.IGNORECASE), out
            assert not re.search(r"[\[\]{}<>|~&']|__", out), out


class TestCsv:
    @pytest.mark.parametrize(
        "text", ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1", "\n=1", "  =1", "＝1"]
    )
    def test_formulas_are_quoted(self, text):
        assert cell(text) == "'" + text

    @PROPERTY
    @given(HOSTILE)
    def test_no_cell_starts_a_formula(self, text):
        out = cell(text)
        assert out in (text, "'" + text)  # nothing is lost
        assert not out.startswith(("=", "+", "-", "@", "\t", "\r", "\n"))
        assert not out.lstrip().startswith(("=", "+", "-", "@"))
