import json

from sqlalchemy import func, select

from models import Ask

CSV = """text,author,source,asked_at
When does the vote close?,Ada,email,2026-02-10T09:00:00Z
"Hi Maggie, when does the vote close?",Bea,email,2026-02-11T09:00:00+01:00
,Cy,email,
Is the budget public?,,form,not-a-date
Is the budget public?,Dee,form,
"""


async def _upload(client, event_id, name, data, mime="text/csv"):
    return await client.post(
        f"/api/v1/events/{event_id}/import?wait=true", files={"file": (name, data, mime)}
    )


class TestImport:
    async def test_csv_report_with_line_numbers(self, client, event_id):
        r = await _upload(client, event_id, "mailbox.csv", CSV.encode())
        assert r.status_code == 200, r.text
        report = r.json()
        assert report["imported"] == 2 and report["merged"] == 1
        assert [(x["line"], x["reason"].split()[0]) for x in report["rejected"]] == [
            (4, "text"),
            (5, "asked_at"),
        ]
        items = (await client.get(f"/api/v1/events/{event_id}/questions")).json()["items"]
        vote = next(q for q in items if "vote" in q["text"])
        assert vote["ask_count"] == 2 and vote["platforms"] == ["email"]

    async def test_reimport_adds_nothing(self, client, event_id, session):
        await _upload(client, event_id, "mailbox.csv", CSV.encode())
        before = await session.scalar(select(func.count()).select_from(Ask))
        report = (await _upload(client, event_id, "mailbox.csv", CSV.encode())).json()
        assert report["imported"] == 0 and report["merged"] == 0 and report["duplicates"] == 3
        assert await session.scalar(select(func.count()).select_from(Ask)) == before

    async def test_json_list_and_wrapped(self, client, event_id):
        doc = [{"text": "Who chairs the board?", "author": "Ada"}, {"text": 5}, "junk"]
        report = (
            await _upload(client, event_id, "q.json", json.dumps(doc).encode(), "application/json")
        ).json()
        assert report["imported"] == 1
        assert [x["line"] for x in report["rejected"]] == [2, 3]
        wrapped = {"questions": [{"text": "How do grants work?", "id": "form-17"}]}
        report = (await _upload(client, event_id, "q.json", json.dumps(wrapped).encode())).json()
        assert report["imported"] == 1

    async def test_bad_files_are_refused_whole(self, client, event_id, session):
        before = await session.scalar(select(func.count()).select_from(Ask))
        cases = [
            ("no-text.csv", b"question,author\nWhen?,Ada\n", "text"),
            ("broken.json", b'[{"text": "When?"', "JSON"),
            ("latin1.csv", "text\nQuand est le vote ?\xe9\n".encode("latin-1"), "UTF-8"),
            ("empty.csv", b"", "empty"),
            ("obj.json", b'{"text": "When?"}', "list"),
        ]
        for name, data, word in cases:
            r = await _upload(client, event_id, name, data)
            assert r.status_code == 422, (name, r.text)
            assert "file" in r.text and word in r.text, (name, r.text)
        assert await session.scalar(select(func.count()).select_from(Ask)) == before

    async def test_semicolon_csv_with_bom(self, client, event_id):
        data = "\ufefftext;author\nWho chairs the board?;Ada\nHow do grants work?;Bea\n"
        report = (await _upload(client, event_id, "excel.csv", data.encode())).json()
        assert report["imported"] == 2 and report["rejected"] == []
