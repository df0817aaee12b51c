"""GET /api/v1/events/{id}/stream: SSE ids are audit ids; resume by Last-Event-ID; bounded."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.api_client import ADMIN
from tests.app.conftest import add


def parse(body: str) -> list[dict]:
    """SSE messages as dicts: id, event, data (decoded)."""
    messages = []
    for block in body.split("\n\n"):
        fields: dict = {}
        for line in block.splitlines():
            if line.startswith(":") or ": " not in line:
                continue
            key, value = line.split(": ", 1)
            fields[key] = json.loads(value) if key == "data" else value
        if "data" in fields:
            messages.append(fields)
    return messages


@pytest.fixture
def short_streams(client):
    """Streams that end after a moment, so the in-process transport returns their body."""
    live = client.app.state.live
    live.max_seconds, live.poll_seconds = 0.3, 0.05
    return live


async def stream(client, event_id, **kw):
    r = await client.get(f"/api/v1/events/{event_id}/stream", **kw)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/event-stream")
    assert r.headers["cache-control"] == "no-cache"
    return parse(r.text)


class TestStream:
    async def test_a_new_client_starts_from_now(self, client, event_id, short_streams):
        await add(client, event_id, "Is the budget public?")
        [hello, *rest] = await stream(client, event_id)
        assert hello["event"] == "hello" and int(hello["id"]) == hello["data"]["last"] > 0
        assert rest == []

    async def test_last_event_id_resumes_with_full_question_state(
        self, client, event_id, short_streams
    ):
        [hello] = await stream(client, event_id)
        q = await add(client, event_id, "Is the budget public?")
        await client.patch(f"/api/v1/questions/{q['id']}", json={"pinned": True})
        messages = await stream(client, event_id, headers={"Last-Event-ID": hello["id"]})
        assert messages[0] == {"event": "hello", "data": {"resumed": int(hello["id"])}}
        changes = [m for m in messages if m["event"] == "change"]
        assert [c["data"]["action"] for c in changes] == ["question_created", "question_changed"]
        ids = [int(c["id"]) for c in changes]
        assert ids == sorted(ids) and ids[0] > int(hello["id"])
        latest = changes[-1]["data"]["questions"][0]
        assert latest["text"] == "Is the budget public?" and latest["pinned"] is True
        assert latest["asks"][0]["author"] is None  # names only when asked for
        assert messages[-1]["event"] == "counts" and messages[-1]["data"]["open"] == 1
        # The counts say which position they include, as a refetch of them does.
        assert messages[-1]["data"]["as_of"] == ids[-1]
        refetched = (await client.get(f"/api/v1/events/{event_id}/counts")).json()
        assert refetched["as_of"] == ids[-1] and refetched["open"] == 1
        # Resuming from the last id replays nothing.
        again = await stream(client, event_id, headers={"Last-Event-ID": str(ids[-1])})
        assert [m["event"] for m in again] == ["hello"]
        # ?after= does the same for a client that cannot set the header.
        after = await stream(client, event_id, params={"after": ids[0]})
        assert [m.get("id") for m in after if m["event"] == "change"] == [str(ids[-1])]

    async def test_a_merge_carries_both_questions(self, client, event_id, short_streams):
        [hello] = await stream(client, event_id)
        a = await add(client, event_id, "Is the budget public?")
        b = await add(client, event_id, "Who chairs the board?")
        await client.post(f"/api/v1/questions/{b['id']}/merge", json={"into": a["id"]})
        messages = await stream(client, event_id, params={"after": hello["id"], "authors": "names"})
        merged = next(m for m in messages if m.get("data", {}).get("action") == "merged")
        states = {q["id"]: q["status"] for q in merged["data"]["questions"]}
        assert states == {a["id"]: "open", b["id"]: "hidden"}

    async def test_hiding_a_question_resends_the_rows_marked_as_its_duplicates(
        self, client, event_id, short_streams
    ):
        vote = await add(client, event_id, "When does the board election voting close?")
        close = await add(client, event_id, "When do board election votes stop being accepted?")
        assert close["suggestion"]["into"] == vote["id"]
        [hello] = await stream(client, event_id)
        after, marks = hello["id"], {}
        # Read after each change: a stream renders each question as it is when read.
        for status in ("hidden", "open"):
            r = await client.patch(f"/api/v1/questions/{vote['id']}", json={"status": status})
            assert r.status_code == 200, r.text
            messages = await stream(client, event_id, params={"after": after})
            [change] = [m for m in messages if m["event"] == "change"]
            after = change["id"]
            marks[status] = {q["id"]: q["suggestion"] for q in change["data"]["questions"]}
        # The mark pointed at a question no longer in the queue: it goes, then comes back.
        assert marks["hidden"] == {vote["id"]: None, close["id"]: None}
        assert marks["open"][close["id"]]["into"] == vote["id"]

    async def test_with_a_look_back_window_each_entry_is_sent_once(
        self, client, event_id, short_streams
    ):
        # The PostgreSQL setting: entries committed late (lower ids) are looked for again.
        short_streams.overlap_seconds = 5.0
        [hello] = await stream(client, event_id)
        for text in ("Is the budget public?", "Who chairs the board?", "When is Wikimania?"):
            await add(client, event_id, text)
        messages = await stream(client, event_id, params={"after": hello["id"]})
        ids = [m["id"] for m in messages if m["event"] == "change"]
        assert len(ids) == 3 and len(set(ids)) == 3

    async def test_too_far_behind_is_told_to_refetch(self, client, event_id, short_streams):
        short_streams.catch_up_limit = 1
        await add(client, event_id, "Is the budget public?")
        await add(client, event_id, "Who chairs the board?")
        [reset] = await stream(client, event_id, headers={"Last-Event-ID": "0"})
        assert reset["event"] == "reset" and int(reset["id"]) == reset["data"]["last"]

    async def test_needs_a_user_and_a_known_event(
        self, engine, sessionmaker, client, short_streams
    ):
        from tests.api_client import api_client

        async with api_client(engine, sessionmaker, token=None) as anonymous:
            assert (await anonymous.get("/api/v1/events/1/stream")).status_code == 401
        assert (await client.get("/api/v1/events/999999/stream")).status_code == 404

    async def test_cookie_sessions_may_stream(self, web, short_streams):
        web.app.state.live.max_seconds = 0.2
        r = await web.post(
            "/api/v1/events", json={"title": "t"}, headers={"X-CSRF-Token": web.csrf}
        )
        messages = await stream(web, r.json()["id"])
        assert messages[0]["event"] == "hello"


class TestStats:
    async def test_per_minute_per_platform_totals_and_share_answered(self, client, event_id):
        a = await add(client, event_id, "Is the budget public?")
        await add(client, event_id, "Who chairs the board?", source="email")
        await client.patch(f"/api/v1/questions/{a['id']}", json={"status": "answered"})
        stats = (await client.get(f"/api/v1/events/{event_id}/stats")).json()
        assert stats["asks"] == 2 and stats["questions"] == 2
        assert stats["asks_by_platform"] == {"manual": 1, "email": 1}
        assert stats["answered_share"] == 0.5
        assert sum(sum(b["counts"].values()) for b in stats["buckets"]) == 2
        assert stats["platforms"] == ["email", "manual"]


class TestOverARealConnection:
    """Streaming for real (uvicorn on 127.0.0.1): live delivery, then a resume after a drop."""

    def test_live_delivery_and_resume_after_a_dropped_connection(self, databases):
        from tests.browser.server import LiveServer

        with ThreadPoolExecutor(1) as pool:
            db = pool.submit(databases.new).result()
        server = LiveServer(db).start()
        try:
            headers = {"Authorization": f"Bearer {ADMIN}"}
            with httpx.Client(base_url=server.url, headers=headers, timeout=5) as c:
                event_id = c.post("/api/v1/events", json={"title": "t"}).json()["id"]
                last = None
                with c.stream("GET", f"/api/v1/events/{event_id}/stream") as s:
                    lines = s.iter_lines()
                    for line in lines:
                        if line.startswith("id: "):
                            break  # the hello: streaming from now
                    server.ingest(event_id, ["Does this stream live?"])
                    for line in lines:
                        if line.startswith("id: "):
                            last = line[4:]
                        if "Does this stream live?" in line:
                            break
                # The connection is gone; this happens while no one listens.
                server.ingest(event_id, ["Made during the outage?"])
                assert len(server.app.state.streams) <= 1
                with c.stream(
                    "GET", f"/api/v1/events/{event_id}/stream", headers={"Last-Event-ID": last}
                ) as s:
                    body = ""
                    for line in s.iter_lines():
                        body += line + "\n"
                        if "Made during the outage?" in line:
                            break
                assert '"resumed":' in body and "Does this stream live?" not in body
        finally:
            server.stop()
