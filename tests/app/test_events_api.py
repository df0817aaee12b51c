from sqlalchemy import func, select

from models import Event


class TestEvents:
    async def test_create_with_sources_in_every_url_form(self, client):
        videos = [
            "dQw4w9WgXcQ",
            "https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=1",
            "https://youtu.be/aaaaaaaaaaa",
            "https://www.youtube.com/live/bbbbbbbbbbb?si=x",
            "youtube.com/shorts/ccccccccccc",
        ]
        r = await client.post(
            "/api/v1/events",
            json={
                "title": "Conversation hour, 15 February",
                "question_mode": "all",
                "sources": [{"platform": "telegram", "chat_id": -1001234}]
                + [{"platform": "youtube", "video": v} for v in videos],
            },
        )
        assert r.status_code == 201, r.text
        body = r.json()
        assert body["status"] == "live" and body["question_mode"] == "all"
        got = [s["video"] for s in body["sources"] if s["platform"] == "youtube"]
        assert got == ["dQw4w9WgXcQ", "aaaaaaaaaaa", "bbbbbbbbbbb", "ccccccccccc"]
        assert [s["chat_id"] for s in body["sources"] if s["platform"] == "telegram"] == [-1001234]
        r = await client.get(f"/api/v1/events/{body['id']}")
        assert r.json()["title"] == "Conversation hour, 15 February"

    async def test_patch_and_end(self, client, event_id):
        r = await client.patch(
            f"/api/v1/events/{event_id}",
            json={
                "title": "Renamed",
                "question_mode": "marked",
                "sources": [{"platform": "telegram", "chat_id": 5}],
            },
        )
        assert r.status_code == 200, r.text
        assert r.json()["title"] == "Renamed" and len(r.json()["sources"]) == 1
        r = await client.patch(f"/api/v1/events/{event_id}", json={"status": "ended"})
        assert r.json()["status"] == "ended" and r.json()["ended_at"]
        r = await client.get("/api/v1/events")
        assert [e["id"] for e in r.json()] == [event_id]

    async def test_bad_input_names_the_field_and_writes_nothing(self, client, session):
        before = await session.scalar(select(func.count()).select_from(Event))
        cases = [
            ({"title": ""}, "title"),
            ({"title": "x", "question_mode": "sometimes"}, "question_mode"),
            (
                {
                    "title": "x",
                    "sources": [{"platform": "youtube", "video": "https://vimeo.com/1"}],
                },
                "video",
            ),
            ({"title": "x", "sources": [{"platform": "telegram", "chat_id": "abc"}]}, "chat_id"),
            ({"title": "x", "colour": "red"}, "colour"),
        ]
        for body, field in cases:
            r = await client.post("/api/v1/events", json=body)
            assert r.status_code == 422, (body, r.text)
            assert field in r.text, (field, r.text)
        r = await client.post(
            "/api/v1/events", content=b"{not json", headers={"Content-Type": "application/json"}
        )
        assert r.status_code == 422
        assert await session.scalar(select(func.count()).select_from(Event)) == before

    async def test_unknown_event_is_404(self, client):
        assert (await client.get("/api/v1/events/999999")).status_code == 404
        r = await client.get("/api/v1/events/999999/questions")
        assert r.status_code == 404 and "999999" in r.text

    async def test_health_and_ready(self, client):
        assert (await client.get("/healthz")).json() == {"status": "ok"}
        r = await client.get("/readyz")
        assert r.status_code == 200 and r.json() == {"status": "ready"}


class TestPurge:
    async def test_purge_forgets_askers_keeps_questions(self, client, event_id, session):
        from sqlalchemy import select

        from intake.ingest import ingest
        from models import Ask
        from tests.factories import make_ask

        await ingest(
            session,
            intake=client.app.state.intake,
            event_id=event_id,
            asks=[make_ask(text="Is it safe?", message_id="1", author_id="77", author_name="Ada")],
        )
        await session.commit()
        r = await client.post(f"/api/v1/events/{event_id}/purge")
        assert r.status_code == 200 and r.json() == {"asks_purged": 1}
        ask = await session.scalar(
            select(Ask).where(Ask.event_id == event_id).execution_options(populate_existing=True)
        )
        assert ask.author_name is None and ask.author_key is None
        items = (await client.get(f"/api/v1/events/{event_id}/questions")).json()["items"]
        assert items[0]["ask_count"] == 1  # counts stay
