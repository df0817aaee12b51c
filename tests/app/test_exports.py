import csv
import io
import json

from tests.app.conftest import add

EXPECTED_WIKITEXT = """\
== Unanswered questions — Conversation hour ==

* When does the vote close? — ''asked 3× (email, Telegram, YouTube)''
** Note: Answer in the wiki FAQ
* <nowiki>Is [[Main Page]] {{protected}} forever?</nowiki> — ''asked once (in the room)''
* <nowiki>=HYPERLINK("http://evil")</nowiki> — ''asked once (in the room)''
"""

EXPECTED_MD = """\
# Unanswered questions — Conversation hour

- When does the vote close? — _asked 3× (email, Telegram, YouTube)_
  - Note: Answer in the wiki FAQ
- Is \\[\\[Main Page\\]\\] \\{\\{protected\\}\\} forever? — _asked once (in the room)_
- =HYPERLINK\\("http\\://evil"\\) — _asked once (in the room)_
"""


async def _seed(client, event_id, session):
    from intake.ingest import ingest
    from models import Platform
    from tests.factories import make_ask

    intake = client.app.state.intake
    vote = await add(client, event_id, "When does the vote close?", author="Ada", source="email")
    await ingest(
        session,
        intake=intake,
        event_id=event_id,
        asks=[
            make_ask(
                text="when does the vote close??",
                message_id="t1",
                author_id="u1",
                author_name="Bea",
            ),
            make_ask(
                text="Hi! When does the vote close?",
                message_id="y1",
                author_id="c1",
                author_name="Cy",
                platform=Platform.youtube,
                source_id="live1",
            ),
        ],
    )
    await session.commit()
    await client.patch(f"/api/v1/questions/{vote['id']}", json={"note": "Answer in the wiki FAQ"})
    wiki = await add(client, event_id, "Is [[Main Page]] {{protected}} forever?")
    formula = await add(client, event_id, '=HYPERLINK("http://evil")')
    done = await add(client, event_id, "Who chairs the board?")
    await client.patch(f"/api/v1/questions/{done['id']}", json={"status": "answered"})
    hidden = await add(client, event_id, "spam spam?")
    await client.patch(f"/api/v1/questions/{hidden['id']}", json={"status": "hidden"})
    return vote, wiki, formula, done


async def _export(client, event_id, **params):
    r = await client.get(f"/api/v1/events/{event_id}/export", params=params)
    assert r.status_code == 200, r.text
    return r


class TestExports:
    async def test_wikitext_snapshot(self, client, event_id, session):
        await _seed(client, event_id, session)
        r = await _export(client, event_id, format="wikitext")
        assert r.text == EXPECTED_WIKITEXT
        assert "attachment" in r.headers["content-disposition"]

    async def test_markdown_snapshot(self, client, event_id, session):
        await _seed(client, event_id, session)
        assert (await _export(client, event_id, format="md")).text == EXPECTED_MD

    async def test_csv_parses_back_and_defuses_formulas(self, client, event_id, session):
        vote, wiki, formula, _ = await _seed(client, event_id, session)
        r = await _export(client, event_id, format="csv")
        assert r.headers["content-type"].startswith("text/csv")
        assert r.content.startswith(b"\xef\xbb\xbf")  # a byte-order mark, for spreadsheets
        rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
        assert [int(x["id"]) for x in rows] == [vote["id"], wiki["id"], formula["id"]]
        assert rows[0]["question"] == "When does the vote close?" and rows[0]["asked"] == "3"
        assert rows[0]["note"] == "Answer in the wiki FAQ"
        assert rows[2]["question"] == "'" + '=HYPERLINK("http://evil")'
        assert "askers" not in rows[0]

    async def test_json_parses_back_with_statuses(self, client, event_id, session):
        vote, _, _, done = await _seed(client, event_id, session)
        answered = json.loads(
            (await _export(client, event_id, format="json", status="answered")).content
        )["questions"]
        assert [q["id"] for q in answered] == [done["id"]]
        everything = json.loads(
            (await _export(client, event_id, format="json", status="all")).content
        )["questions"]
        assert len(everything) == 4  # hidden stays out even of "all"
        first = everything[0]
        assert first["id"] == vote["id"] and first["ask_count"] == 3
        assert first["platforms"] == {"email": 1, "telegram": 1, "youtube": 1}
        assert "authors" not in first

    async def test_names_only_when_asked(self, client, event_id, session):
        await _seed(client, event_id, session)
        plain = (await _export(client, event_id, format="md")).text
        assert "Ada" not in plain and "Bea" not in plain
        named = (await _export(client, event_id, format="md", authors="names")).text
        assert "Bea, Cy, Ada" in named
        rows = list(
            csv.DictReader(
                io.StringIO(
                    (await _export(client, event_id, format="csv", authors="names")).text.lstrip(
                        "\ufeff"
                    )
                )
            )
        )
        assert rows[0]["askers"] == "Bea; Cy; Ada"

    async def test_bad_format_is_422(self, client, event_id):
        r = await client.get(f"/api/v1/events/{event_id}/export", params={"format": "pdf"})
        assert r.status_code == 422 and "format" in r.text

    async def test_empty_export(self, client, event_id):
        r = await _export(client, event_id, format="wikitext")
        assert "No questions" in r.text


class TestCockpitExports:
    async def test_csv_without_bom_when_asked(self, client, event_id, session):
        await _seed(client, event_id, session)
        r = await _export(client, event_id, format="csv", bom="false")
        assert r.content.startswith(b"id,question")
        md = await _export(client, event_id, format="md")
        assert not md.content.startswith(b"\xef\xbb\xbf")

    async def test_json_names_the_event_and_when_it_was_exported(self, client, event_id, session):
        await _seed(client, event_id, session)
        doc = json.loads((await _export(client, event_id, format="json")).content)
        assert doc["title"] == "Unanswered questions — Conversation hour"
        assert doc["event"]["id"] == event_id and doc["event"]["title"] == "Conversation hour"
        assert doc["event"]["scope"] == "unanswered"
        assert doc["event"]["created_at"] and doc["event"]["exported_at"]
        assert len(doc["questions"]) == 3

    async def test_bidi_controls_are_dropped_from_every_format(self, client, event_id, session):
        await add(client, event_id, "Is safe\u202egpj.exe a picture?", author="Eve\u2067x")
        for fmt in ("md", "wikitext", "csv", "json"):
            body = (await _export(client, event_id, format=fmt, authors="names")).text
            assert "\u202e" not in body and "\u2067" not in body, fmt
            # Markdown escapes the dot inside a word (no autolink), the others keep it.
            assert "safegpj.exe" in body.replace("\\.", "."), fmt
