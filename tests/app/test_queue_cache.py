"""The queue served from memory answers byte for byte what a fresh read would, whatever
changes arrive, and how they arrive (API, a collector's ingest, another process)."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime

from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from sqlalchemy import insert, update

from app.live.render import tab_counts
from app.questions.repository import PageQuery
from app.questions.shapes import queue_page
from intake.ingest import ingest
from kit.db import read_only
from models import AuditEntry, Platform, Question, QuestionStatus
from tests.app.conftest import add
from tests.factories import make_ask

TEXTS = [
    "Is the budget public?",
    "Who chairs the board?",
    "When is Wikimania?",
    "How do I apply for a grant?",
    "Will the election rules change?",
    "Where are the meeting notes?",
    "Can affiliates vote?",
    "What is the hub strategy?",
]

VIEWS = [
    {},
    {"sort": "time"},
    {"status": "all", "limit": "3"},
    {"q": "budget"},
    {"platform": "telegram", "authors": "names"},
    {"authors": "names", "limit": "2"},
    {"status": "answered,dismissed"},
]


async def plain(sessionmaker, event_id: int, params: dict[str, str]) -> bytes:
    """The answer as the straightforward path gives it: a fresh read, FastAPI's encoder."""
    statuses = params.get("status", "pending,open,on_air")
    async with sessionmaker() as s:
        await read_only(s)
        query = PageQuery(
            event_id=event_id,
            statuses=tuple(QuestionStatus)
            if statuses == "all"
            else tuple(QuestionStatus(x) for x in statuses.split(",")),
            sort=params.get("sort", "score"),  # type: ignore[arg-type]
            search=params.get("q"),
            platform=params.get("platform"),
            limit=int(params.get("limit", "50")),
            cursor=params.get("cursor"),
        )
        page = await queue_page(s, query, names=params.get("authors") == "names")
    return JSONResponse(jsonable_encoder(page)).body


async def plain_counts(sessionmaker, event_id: int) -> bytes:
    async with sessionmaker() as s:
        await read_only(s)
        return JSONResponse(await tab_counts(s, event_id=event_id)).body


async def check_all_views(client, sessionmaker, event_id: int) -> int:
    r = await client.get(f"/api/v1/events/{event_id}/counts")
    assert r.status_code == 200, r.text
    assert r.content == await plain_counts(sessionmaker, event_id)
    checked = 1
    for view in VIEWS:
        r = await client.get(f"/api/v1/events/{event_id}/questions", params=view)
        assert r.status_code == 200, r.text
        assert r.content == await plain(sessionmaker, event_id, view), view
        checked += 1
        cursor = r.json()["next_cursor"]
        if cursor:  # the next page too
            following = {**view, "cursor": cursor}
            r = await client.get(f"/api/v1/events/{event_id}/questions", params=following)
            assert r.content == await plain(sessionmaker, event_id, following), following
            checked += 1
    return checked


class TestSameBytesAsAFreshRead:
    async def test_under_a_stream_of_changes(self, client, sessionmaker, event_id):
        rng = random.Random(7)
        intake = client.app.state.intake
        questions: list[int] = []
        n = 0
        checked = 0
        for step in range(36):
            action = rng.choice(["add", "ingest", "pin", "status", "upvote", "merge"])
            if action == "add" or not questions:
                q = await add(client, event_id, rng.choice(TEXTS) + f" ({step})")
                questions.append(q["id"])
            elif action == "ingest":
                # A collector in this process: its own session, not the API's.
                n += 1
                ask = make_ask(
                    text=rng.choice(TEXTS),
                    message_id=f"m{n}",
                    author_id=f"u{n % 5}",
                    author_name=f"Asker {n % 5}",
                    platform=rng.choice([Platform.telegram, Platform.youtube]),
                )
                async with sessionmaker() as s, s.begin():
                    [result] = await ingest(s, intake=intake, event_id=event_id, asks=[ask])
                if result.question_id and result.question_id not in questions:
                    questions.append(result.question_id)
            elif action == "pin":
                qid = rng.choice(questions)
                await client.patch(f"/api/v1/questions/{qid}", json={"pinned": rng.random() < 0.5})
            elif action == "status":
                qid = rng.choice(questions)
                new = rng.choice(["open", "on_air", "answered", "dismissed"])
                await client.patch(f"/api/v1/questions/{qid}", json={"status": new})
            elif action == "upvote":
                await client.post(f"/api/v1/questions/{rng.choice(questions)}/upvote")
            elif action == "merge" and len(questions) > 2:
                a, b = rng.sample(questions, 2)
                r = await client.post(f"/api/v1/questions/{b}/merge", json={"into": a})
                if r.status_code == 200:
                    questions.remove(b)
            checked += await check_all_views(client, sessionmaker, event_id)
        cache = client.app.state.queue_cache
        assert checked > 36 * len(VIEWS)
        assert cache.misses > 0

    async def test_repeated_reads_come_from_memory_with_an_etag(self, client, event_id):
        await add(client, event_id, "Is the budget public?")
        url = f"/api/v1/events/{event_id}/questions"
        first = await client.get(url)
        cache = client.app.state.queue_cache
        hits = cache.hits
        second = await client.get(url)
        assert second.content == first.content and cache.hits == hits + 1
        etag = first.headers["etag"]
        r = await client.get(url, headers={"If-None-Match": etag})
        assert r.status_code == 304 and r.content == b"" and r.headers["etag"] == etag
        await add(client, event_id, "Who chairs the board?")
        r = await client.get(url, headers={"If-None-Match": etag})
        assert r.status_code == 200 and "Who chairs the board?" in r.text

    async def test_counts_come_from_memory_with_an_etag_until_a_change(
        self, client, sessionmaker, event_id
    ):
        q = await add(client, event_id, "Is the budget public?")
        url = f"/api/v1/events/{event_id}/counts"
        first = await client.get(url)
        assert first.json()["open"] == 1 and first.json()["as_of"] > 0
        cache = client.app.state.queue_cache
        hits = cache.hits
        assert (await client.get(url)).content == first.content and cache.hits == hits + 1
        etag = first.headers["etag"]
        r = await client.get(url, headers={"If-None-Match": etag})
        assert r.status_code == 304 and r.content == b"" and r.headers["etag"] == etag
        await client.patch(f"/api/v1/questions/{q['id']}", json={"status": "answered"})
        r = await client.get(url, headers={"If-None-Match": etag})
        assert r.status_code == 200 and (r.json()["open"], r.json()["answered"]) == (0, 1)
        assert r.json()["as_of"] > first.json()["as_of"]
        assert r.content == await plain_counts(sessionmaker, event_id)
        assert (await client.get("/api/v1/events/999999/counts")).status_code == 404

    async def test_a_change_no_signal_announced_is_seen_at_the_next_check(
        self, client, sessionmaker, event_id
    ):
        """Another process writing to SQLite sends no signal: the page is re-checked against
        the audit trail's position."""
        q = await add(client, event_id, "Is the budget public?")
        url = f"/api/v1/events/{event_id}/questions"
        assert "Is the budget public?" in (await client.get(url)).text
        async with sessionmaker() as s, s.begin():  # no notify_on_commit: as if elsewhere
            await s.execute(
                update(Question).where(Question.id == q["id"]).values(text="Is it public?")
            )
            await s.execute(
                insert(AuditEntry).values(
                    event_id=event_id,
                    question_id=q["id"],
                    actor="other",
                    action="question_changed",
                    detail={},
                    at=datetime.now(UTC),
                )
            )
        cache = client.app.state.queue_cache
        cache.revalidate_seconds = 3600
        assert "Is the budget public?" in (await client.get(url)).text  # not yet re-checked
        cache.revalidate_seconds = 0
        r = await client.get(url)
        assert "Is it public?" in r.text
        assert r.content == await plain(sessionmaker, event_id, {})


async def test_readers_due_to_recheck_share_one_look_at_the_trail():
    """Ten readers of an event's pages due for a re-check at once ask the database once (ten
    at a time stalled every reader for 100-500 ms every half second)."""
    from app.questions.cache import QueueCache

    now = [0.0]
    cache = QueueCache(revalidate_seconds=0.5, clock=lambda: now[0])
    looks = 0
    gate = asyncio.Event()

    async def position() -> int:
        nonlocal looks
        looks += 1
        await gate.wait()
        return 7

    async def build(n: int):
        async def made() -> tuple[bytes, int]:
            return f"page {n}".encode(), 7

        return made

    for n in range(10):
        await cache.page(n, event_id=1, build=await build(n), position=position)
    assert looks == 0  # just built: their position is known
    now[0] = 1.0
    readers = [
        asyncio.create_task(cache.page(n, event_id=1, build=await build(n), position=position))
        for n in range(10)
    ]
    await asyncio.sleep(0)
    gate.set()
    pages = await asyncio.gather(*readers)
    assert looks == 1 and cache.misses == 10  # the ten first builds only
    assert [p.body for p in pages] == [f"page {n}".encode() for n in range(10)]
    now[0] = 1.2  # within the half second: no look at all
    await cache.page(3, event_id=1, build=await build(3), position=position)
    assert looks == 1
