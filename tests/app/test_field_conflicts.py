"""Per-field conflicts: a pin or a new ask never refuses a moderator's edit or note."""

from __future__ import annotations

from tests.app.conftest import add


async def patch(client, qid, **body):
    return await client.patch(f"/api/v1/questions/{qid}", json=body)


class TestFieldConflicts:
    async def test_a_pin_and_a_new_ask_do_not_refuse_an_edit(self, client, event_id):
        a = await add(client, event_id, "Is the budget public?")
        assert (
            await patch(client, a["id"], pinned=True, seen={"pinned": False})
        ).status_code == 200
        again = await add(client, event_id, "is the budget public")
        assert again["id"] == a["id"] and again["version"] > a["version"]
        r = await patch(
            client, a["id"], text="Is the 2027 budget public?", seen={"text": a["text"]}
        )
        assert r.status_code == 200, r.text
        assert r.json()["text"] == "Is the 2027 budget public?" and r.json()["pinned"] is True
        note = await patch(client, a["id"], note="ask the treasurer", seen={"note": None})
        assert note.status_code == 200 and note.json()["note"] == "ask the treasurer"

    async def test_the_same_field_changed_first_is_refused_with_both_versions(
        self, client, event_id
    ):
        a = await add(client, event_id, "Is the budget public?")
        first = await patch(
            client, a["id"], text="Is the city budget public?", seen={"text": a["text"]}
        )
        assert first.status_code == 200
        late = await patch(client, a["id"], text="Is the budget online?", seen={"text": a["text"]})
        assert late.status_code == 409
        body = late.json()
        assert body["conflict"] == {
            "field": "text",
            "theirs": "Is the city budget public?",
            "yours": "Is the budget online?",
        }
        assert "Someone else changed the text of" in body["detail"]
        current = (await client.get(f"/api/v1/questions/{a['id']}")).json()
        assert current["text"] == "Is the city budget public?"

    async def test_the_same_change_twice_is_not_a_conflict(self, client, event_id):
        a = await add(client, event_id, "Is the budget public?")
        for _ in range(2):
            r = await patch(client, a["id"], status="answered", seen={"status": "open"})
            assert r.status_code == 200

    async def test_a_status_changed_by_someone_else_is_a_conflict(self, client, event_id):
        a = await add(client, event_id, "Is the budget public?")
        assert (await patch(client, a["id"], status="answered", seen={"status": "open"})).is_success
        r = await patch(client, a["id"], status="dismissed", seen={"status": "open"})
        assert r.status_code == 409 and r.json()["conflict"]["theirs"] == "answered"


class TestOwnUpvote:
    async def test_once_counts_one_per_actor_the_room_counts_each(self, client, event_id):
        a = await add(client, event_id, "Is the budget public?")
        url = f"/api/v1/questions/{a['id']}/upvote"
        assert (await client.post(url, params={"once": "true"})).json()["upvotes"] == 1
        again = await client.post(url, params={"once": "true"})
        assert again.status_code == 409 and again.json() == {
            "detail": f"You already gave #{a['id']} a +1.",
            "repeated": True,
        }
        assert (await client.post(url)).json()["upvotes"] == 2  # the room's, each counts
