"""Hostile and oversized input: refused early and clearly, never a 500 (issue 11, items 5, 6,
11, 12, 14). Every test runs on SQLite and, when configured, PostgreSQL (int4 ids there)."""

from __future__ import annotations

import base64
import json

import pytest

from app.body_limit import API_JSON_LIMIT, FORM_LIMIT
from tests.api_client import api_client
from tests.app.conftest import add

INT32_MAX = 2**31 - 1


class TestBodyLimits:
    async def test_oversized_json_is_413_before_the_token(self, engine, sessionmaker):
        body = json.dumps({"title": "x" * (API_JSON_LIMIT + 1)})
        async with api_client(engine, sessionmaker, token=None) as anonymous:
            r = await anonymous.post(
                "/api/v1/events", content=body, headers={"content-type": "application/json"}
            )
        assert r.status_code == 413
        assert r.json()["limit"] == API_JSON_LIMIT
        assert f"{API_JSON_LIMIT:,} bytes" in r.json()["detail"]

    async def test_a_declared_100_mb_body_is_never_read(self, engine, sessionmaker):
        sent = 0

        async def hundred_mb():
            nonlocal sent
            for _ in range(1600):
                sent += 65536
                yield b"x" * 65536

        async with api_client(engine, sessionmaker, token=None) as anonymous:
            r = await anonymous.post(
                "/api/v1/events",
                content=hundred_mb(),
                headers={"content-type": "application/json", "content-length": str(1600 * 65536)},
            )
        assert r.status_code == 413
        assert sent <= 65536  # at most the first chunk the transport pulls before asking

    async def test_a_chunked_body_stops_at_the_limit(self, engine, sessionmaker):
        sent = 0

        async def endless():
            nonlocal sent
            for _ in range(1600):  # 100 MB if it were all read
                sent += 65536
                yield b"x" * 65536

        async with api_client(engine, sessionmaker, token=None) as anonymous:
            r = await anonymous.post(
                "/api/v1/events", content=endless(), headers={"content-type": "application/json"}
            )
        assert r.status_code == 413 and r.json()["limit"] == API_JSON_LIMIT
        assert sent <= API_JSON_LIMIT + 2 * 65536

    async def test_limits_are_per_route(self, client, event_id):
        # An import may be far larger than a JSON body…
        rows = "".join(f"Question {i}: why {'so ' * 1300}?\n" for i in range(40))
        assert len(rows) > API_JSON_LIMIT
        r = await client.post(
            f"/api/v1/events/{event_id}/import",
            params={"wait": "true"},
            files={"file": ("big.csv", ("text\n" + rows).encode(), "text/csv")},
        )
        assert r.status_code == 200, r.text[:300]
        # …and the sign-in form far smaller.
        r = await client.post("/signin", data={"token": "t" * FORM_LIMIT})
        assert r.status_code == 413 and r.json()["limit"] == FORM_LIMIT

    async def test_422_echoes_a_short_excerpt_only(self, client, event_id):
        huge = "y" * 100_000
        r = await client.post("/api/v1/events", json={"title": huge})
        assert r.status_code == 422
        assert len(r.content) < 2000
        [error] = r.json()["detail"]
        assert error["loc"] == ["body", "title"]
        assert error["input"].startswith("yyy") and "100,000 characters" in error["input"]
        r = await client.post(
            f"/api/v1/events/{event_id}/questions", json={"text": "ok?", "junk": [huge] * 1}
        )
        assert r.status_code == 422 and len(r.content) < 2000


class TestIntegerBounds:
    @pytest.mark.parametrize(
        "path",
        [
            "/api/v1/events/{n}",
            "/api/v1/events/{n}/questions",
            "/api/v1/events/{n}/counts",
            "/api/v1/events/{n}/export",
            "/api/v1/events/{n}/sources",
            "/api/v1/events/{n}/stats",
            "/api/v1/events/{n}/stream",
            "/api/v1/questions/{n}",
            "/api/v1/questions/{n}/similar",
        ],
    )
    async def test_ids_beyond_int4_are_422_and_the_largest_is_404(self, client, path):
        r = await client.get(path.format(n=INT32_MAX + 1))
        assert r.status_code == 422, r.text
        assert str(INT32_MAX) in r.text
        r = await client.get(path.format(n=INT32_MAX))
        assert r.status_code == 404, r.text
        r = await client.get(path.format(n=10**30))
        assert r.status_code == 422

    async def test_actions_with_huge_ids(self, client, event_id):
        q = await add(client, event_id, "When does the vote close?")
        big = INT32_MAX + 1
        assert (await client.patch(f"/api/v1/questions/{big}", json={})).status_code == 422
        assert (await client.post(f"/api/v1/questions/{big}/upvote")).status_code == 422
        assert (await client.post(f"/api/v1/asks/{big}/split")).status_code == 422
        r = await client.post(f"/api/v1/questions/{q['id']}/merge", json={"into": big})
        assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "into"]
        r = await client.post(f"/api/v1/questions/{q['id']}/merge", json={"into": INT32_MAX})
        assert r.status_code == 404
        r = await client.patch(f"/api/v1/questions/{q['id']}", json={"version": big})
        assert r.status_code == 422

    async def test_telegram_ids_take_64_bits_and_no_more(self, client):
        chat = -1001234567890123
        r = await client.post(
            "/api/v1/events",
            json={
                "title": "t",
                "sources": [{"platform": "telegram", "chat_id": chat, "thread_id": 2**40}],
            },
        )
        assert r.status_code == 201, r.text
        assert r.json()["sources"][0]["chat_id"] == chat
        assert r.json()["sources"][0]["thread_id"] == 2**40
        for source in (
            {"platform": "telegram", "chat_id": 2**63},
            {"platform": "telegram", "chat_id": -(2**63) - 1},
            {"platform": "telegram", "chat_id": 1, "thread_id": 2**63},
        ):
            r = await client.post("/api/v1/events", json={"title": "t", "sources": [source]})
            assert r.status_code == 422, r.text

    async def test_stream_positions_are_bounded(self, client, event_id):
        r = await client.get(f"/api/v1/events/{event_id}/stream", params={"after": INT32_MAX + 1})
        assert r.status_code == 422
        r = await client.get(
            f"/api/v1/events/{event_id}/stream", headers={"Last-Event-ID": "99999999999"}
        )
        assert r.status_code == 422 and "last-event-id" in r.text

    @pytest.mark.parametrize(
        "values",
        [
            ["score", 1, 1, 2**40, "2026-01-01T00:00:00+00:00", 1],
            ["score", 1, 1, 5, "2026-01-01T00:00:00+00:00", 2**31],
            ["score", 1, 1, True, "2026-01-01T00:00:00+00:00", 1],
            ["score", 1, 1, 5, "2026-01-01T00:00:00", 1],
            ["score", 1, 1, 5, "0001-01-01T00:00:00+05:00", 1],
            ["score", 1, 1, 5, 7, 1],
        ],
    )
    async def test_forged_cursors_are_422(self, client, event_id, values):
        cursor = base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")
        r = await client.get(f"/api/v1/events/{event_id}/questions", params={"cursor": cursor})
        assert r.status_code == 422 and "cursor" in r.text


class TestStrictTypes:
    @pytest.mark.parametrize(
        "body",
        [
            {"title": "t", "paid_boost": False},
            {"title": "t", "paid_boost": True},
            {"title": "t", "paid_boost": "5"},
            {"title": "t", "review": 1},
            {"title": "t", "review": "yes"},
            {"title": "t", "planned_end_at": 0},
            {"title": "t", "planned_end_at": "2026-12-02T10:00:00"},
            {"title": "t", "sources": [{"platform": "telegram", "chat_id": "-100"}]},
            {"title": "t", "sources": [{"platform": "telegram", "chat_id": True}]},
        ],
    )
    async def test_a_bool_is_not_a_number_nor_a_number_a_bool(self, client, body):
        r = await client.post("/api/v1/events", json=body)
        assert r.status_code == 422, r.text

    async def test_integral_numbers_are_integers(self, client):
        r = await client.post("/api/v1/events", json={"title": "t", "paid_boost": 3.0})
        assert r.status_code == 201 and r.json()["paid_boost"] == 3
        r = await client.post("/api/v1/events", json={"title": "t", "paid_boost": 3.5})
        assert r.status_code == 422

    async def test_merge_into_true_is_refused(self, client, event_id):
        q = await add(client, event_id, "When does the vote close?")
        r = await client.post(f"/api/v1/questions/{q['id']}/merge", json={"into": True})
        assert r.status_code == 422

    async def test_planned_end_is_stored_in_utc(self, client):
        r = await client.post(
            "/api/v1/events", json={"title": "t", "planned_end_at": "2026-12-02T10:00:00+02:00"}
        )
        assert r.status_code == 201 and r.json()["planned_end_at"].startswith("2026-12-02T08:00")
        r = await client.post(
            "/api/v1/events", json={"title": "t", "planned_end_at": "0001-01-01T00:00:00+05:00"}
        )
        assert r.status_code == 422


class TestLoneSurrogates:
    @pytest.mark.parametrize(
        ("path", "raw", "field"),
        [
            ("/api/v1/events", '{"title": "Why \\ud800 lone?"}', "title"),
            ("/api/v1/events/{e}/questions", '{"text": "Why \\ud800 lone?"}', "text"),
            ("/api/v1/events/{e}/questions", '{"text": "ok?", "author": "\\udfff"}', "author"),
        ],
    )
    async def test_a_lone_surrogate_is_a_clean_422(self, client, event_id, path, raw, field):
        r = await client.post(
            path.format(e=event_id), content=raw, headers={"content-type": "application/json"}
        )
        assert r.status_code == 422, r.text
        [error] = r.json()["detail"]
        assert error["loc"] == ["body", field]
        assert "surrogate" in error["msg"] or "unicode" in error["msg"]
        # The excerpt shows the surrogate as an escape: the answer is valid UTF-8 JSON.
        assert "\\ud800" in error["input"] or "\\udfff" in error["input"]

    async def test_patch_and_odd_places(self, client, event_id):
        q = await add(client, event_id, "When does the vote close?")
        r = await client.patch(
            f"/api/v1/questions/{q['id']}",
            content='{"note": "\\ud83d"}',
            headers={"content-type": "application/json"},
        )
        assert r.status_code == 422 and "\\ud83d" in r.json()["detail"][0]["input"]
        # In a key, in a value that fails another rule, in a discriminator: still a clean 422.
        for raw in (
            '{"title": "t", "\\ud800": 1}',
            '{"title": "t", "paid_boost": "\\ud800"}',
            '{"title": "t", "sources": [{"platform": "\\ud800"}]}',
            '{"title": "t", "sources": [{"platform": "youtube", "video": "\\ud800"}]}',
        ):
            r = await client.post(
                "/api/v1/events", content=raw, headers={"content-type": "application/json"}
            )
            assert r.status_code == 422, raw
            r.json()

    async def test_a_pair_is_fine(self, client, event_id):
        r = await client.post(
            f"/api/v1/events/{event_id}/questions",
            content='{"text": "Is \\ud83d\\ude00 allowed?"}',
            headers={"content-type": "application/json"},
        )
        assert r.status_code == 201 and "😀" in r.json()["question"]["text"]


class TestDeepImport:
    async def test_200000_nested_brackets_are_a_clear_422(self, client, event_id):
        r = await client.post(
            f"/api/v1/events/{event_id}/import",
            files={"file": ("deep.json", b"[" * 200_000, "application/json")},
        )
        assert r.status_code == 422
        assert "nested too deeply" in r.json()["detail"][0]["msg"]


class TestMergedStaysMerged:
    async def test_a_merged_question_cannot_come_back(self, client, event_id):
        q1 = await add(client, event_id, "When does the vote close?")
        q2 = await add(client, event_id, "Who chairs the board?")
        r = await client.post(f"/api/v1/questions/{q2['id']}/merge", json={"into": q1["id"]})
        assert r.status_code == 200
        for status in ("open", "pending", "on_air", "answered", "dismissed"):
            r = await client.patch(f"/api/v1/questions/{q2['id']}", json={"status": status})
            assert r.status_code == 409, (status, r.text)
            assert f"merged into #{q1['id']}" in r.json()["detail"]
        assert (await client.post(f"/api/v1/questions/{q2['id']}/upvote")).status_code == 409
        r = await client.post(f"/api/v1/questions/{q1['id']}/merge", json={"into": q2["id"]})
        assert r.status_code == 409 and "no asks" in r.json()["detail"]
        # Nothing changed: no empty row in the queue or the export.
        again = (await client.get(f"/api/v1/questions/{q2['id']}")).json()
        assert again["status"] == "hidden" and again["ask_count"] == 0
        export = await client.get(
            f"/api/v1/events/{event_id}/export", params={"format": "json", "status": "all"}
        )
        assert [q["id"] for q in export.json()["questions"]] == [q1["id"]]
        # Its note may still be edited.
        r = await client.patch(f"/api/v1/questions/{q2['id']}", json={"note": "dup"})
        assert r.status_code == 200


class TestOpenApi:
    async def test_errors_and_media_types_are_documented(self, client):
        doc = (await client.get("/openapi.json")).json()
        assert "ErrorOut" in doc["components"]["schemas"]
        api_ops = [
            (path, method, op)
            for path, ops in doc["paths"].items()
            if path.startswith("/api/v1")
            for method, op in ops.items()
        ]
        assert len(api_ops) >= 18
        for path, method, op in api_ops:
            for status in ("400", "401", "403", "404", "409", "413", "422"):
                response = op["responses"].get(status)
                assert response, f"{method.upper()} {path} does not document {status}"
                schema = response["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/ErrorOut"}
        export = doc["paths"]["/api/v1/events/{event_id}/export"]["get"]["responses"]["200"]
        assert set(export["content"]) == {
            "text/csv",
            "application/json",
            "text/markdown",
            "text/plain",
        }

    async def test_paid_boost_is_documented_as_an_integer(self, client):
        doc = (await client.get("/openapi.json")).json()
        boost = doc["components"]["schemas"]["EventCreate"]["properties"]["paid_boost"]
        assert boost["type"] == "integer" and boost["maximum"] == 1000
