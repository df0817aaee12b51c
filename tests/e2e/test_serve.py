"""`liveq serve` as a user runs it, with fake platform servers standing in for Telegram."""

from __future__ import annotations

import asyncio
import os
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from fakes import telegram as tg
from fakes.telegram import FakeTelegram
from fakes.youtube import FakeYoutube

ADMIN = "e2e-admin-token-0123456789"
BOT_TOKEN = "123456:E2E-secret-bot-token-abcdefghijkl"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _until(check, *, within: float, what: str):
    """Poll `check` (bounded) until it returns something truthy."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        found = await check()
        if found:
            return found
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out after {within}s waiting for {what}")
        await asyncio.sleep(0.1)


@pytest.fixture
async def fake_telegram():
    async with FakeTelegram(token=BOT_TOKEN) as server:
        yield server


def _serve(tmp_path: Path, env: dict[str, str]) -> tuple[subprocess.Popen, Path, str]:
    port = _free_port()
    log_path = tmp_path / "serve.log"
    full_env = {
        **os.environ,
        "LIVEQ_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/e2e.db",
        "LIVEQ_ADMIN_TOKEN": ADMIN,
        **env,
    }
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "serve", "--port", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=full_env,
        )
    return proc, log_path, f"http://127.0.0.1:{port}"


async def _wait_up(client: httpx.AsyncClient, proc: subprocess.Popen, log_path: Path) -> None:
    async def up():
        try:
            return (await client.get("/healthz")).status_code == 200
        except httpx.TransportError:
            assert proc.poll() is None, log_path.read_text()
            return False

    await _until(up, within=60, what="liveq serve to answer /healthz")


async def _telegram_event(client: httpx.AsyncClient, title: str, group: dict) -> int:
    """A live event collecting from a Telegram group, made through the API: its id."""
    r = await client.post(
        "/api/v1/events",
        json={"title": title, "sources": [{"platform": "telegram", "chat_id": group["id"]}]},
    )
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


async def test_serve_collects_a_linked_telegram_group(tmp_path: Path, fake_telegram):
    proc, log_path, base = _serve(
        tmp_path,
        {
            "LIVEQ_TELEGRAM_BOT_TOKEN": BOT_TOKEN,
            "LIVEQ_TELEGRAM_API_URL": fake_telegram.base_url,
            "LIVEQ_TELEGRAM_POLL_TIMEOUT": "1",
        },
    )
    headers = {"Authorization": f"Bearer {ADMIN}"}
    try:
        async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30) as client:
            await _wait_up(client, proc, log_path)
            group = tg.chat(-1001999)
            event_id = await _telegram_event(client, "Conversation hour", group)
            fake_telegram.push(
                tg.message(
                    chat=group,
                    message_id=1,
                    text="Hi Maggie! When does the vote close?",
                    sender=tg.user(1),
                ),
                tg.message(chat=group, message_id=2, text="hello from Lagos!", sender=tg.user(2)),
                tg.message(
                    chat=group, message_id=3, text="when does the VOTE close??", sender=tg.user(3)
                ),
                tg.message(
                    chat=tg.chat(-1005, title="Other group"),
                    message_id=1,
                    text="Unrelated question?",
                    sender=tg.user(4),
                ),
            )

            async def merged():
                items = (await client.get(f"/api/v1/events/{event_id}/questions")).json()["items"]
                return items if items and items[0]["ask_count"] == 2 else None

            try:
                items = await _until(merged, within=20, what="the questions to be collected")
            except AssertionError:
                print(log_path.read_text()[-3000:])
                print((await client.get("/api/v1/status")).text)
                raise
            assert len(items) == 1 and items[0]["platforms"] == ["telegram"]

            async def other_chat_seen():
                chats = (await client.get("/api/v1/telegram/chats")).json()
                return {c["id"] for c in chats} >= {-1001999, -1005}

            await _until(other_chat_seen, within=10, what="the other chat to be remembered")
            ready = (await client.get("/api/v1/status")).json()
            assert ready["collectors"]["telegram"]["state"] == "running", ready
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    output = log_path.read_text()
    assert BOT_TOKEN not in output and BOT_TOKEN.split(":")[1] not in output
    assert "liveq serving on" in output


YT_KEY = "AIzaE2E-secret-youtube-key-0123456789"


async def test_serve_collects_a_youtube_live_chat(tmp_path: Path):
    fake = FakeYoutube(api_key=YT_KEY)
    url = await fake.start()
    chat = fake.add_video("dQw4w9WgXcQ", polling_interval_ms=200)
    proc, log_path, base = _serve(
        tmp_path,
        {
            "LIVEQ_YOUTUBE_API_KEY": YT_KEY,
            "LIVEQ_YOUTUBE_API_ENDPOINT": url,
            "LIVEQ_YOUTUBE_DAILY_QUOTA": "1000000",
            "LIVEQ_YOUTUBE_RESCAN_SECONDS": "0.5",
        },
    )
    headers = {"Authorization": f"Bearer {ADMIN}"}
    try:
        async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30) as client:
            await _wait_up(client, proc, log_path)
            r = await client.post(
                "/api/v1/events",
                json={
                    "title": "Conversation hour",
                    "sources": [
                        {
                            "platform": "youtube",
                            "video": "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
                        }
                    ],
                },
            )
            assert r.status_code == 201, r.text
            event_id = r.json()["id"]

            async def polling():
                sources = (await client.get(f"/api/v1/events/{event_id}/sources")).json()
                report = sources[0].get("collector") or {}
                return report if report.get("state") == "active" else None

            report = await _until(polling, within=30, what="the live chat to be polled")
            assert report["units_left_today"] < 1_000_000
            fake.post(chat, "Hi Maggie! When does the vote close?", channel_id="UCa", name="A")
            fake.post(chat, "hello from Lagos!", channel_id="UCb", name="B")
            fake.post(chat, "when does the VOTE close??", channel_id="UCc", name="C")
            fake.post(chat, "Can everyone hear us?", author=chat.owner)

            async def merged():
                items = (await client.get(f"/api/v1/events/{event_id}/questions")).json()["items"]
                return items if items and items[0]["ask_count"] == 2 else None

            items = await _until(merged, within=30, what="the chat's questions")
            assert [q["platforms"] for q in items] == [["youtube"]]
            ready = (await client.get("/api/v1/status")).json()
            assert "youtube" in ready["collectors"], ready
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        await fake.stop()
    output = log_path.read_text()
    assert YT_KEY not in output


def _telegram_env(fake, *, poll_timeout: int) -> dict[str, str]:
    """A service collecting from the fake Bot API, without the sentence encoder."""
    return {
        "LIVEQ_TELEGRAM_BOT_TOKEN": BOT_TOKEN,
        "LIVEQ_TELEGRAM_API_URL": fake.base_url,
        "LIVEQ_TELEGRAM_POLL_TIMEOUT": str(poll_timeout),
        "LIVEQ_SEMANTIC_SUGGESTIONS": "false",
    }


def _push(fake, group: dict, texts: list[str]) -> list[int]:
    """One message per text in `group`, each from its own asker: their update ids."""
    return fake.push(
        *(
            tg.message(chat=group, message_id=i + 1, text=t, sender=tg.user(i + 1))
            for i, t in enumerate(texts)
        )
    )


async def test_a_kill_between_a_batch_and_its_suggestions_loses_no_mark(
    tmp_path: Path, fake_telegram
):
    """kill -9 while a flood's suggestions wait for the collector to catch up (a full batch:
    more may be waiting): the restarted service finds them."""
    env = _telegram_env(fake_telegram, poll_timeout=30)
    group = tg.chat(-1001777)
    texts = [f"Question {n} about topic {n}: is it item {n * 7}?" for n in range(98)]
    texts += [
        "When does the board election voting close?",
        "When do board election votes stop being accepted?",  # suggested into the one above
    ]
    headers = {"Authorization": f"Bearer {ADMIN}"}
    proc, log_path, base = _serve(tmp_path, env)
    try:
        async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30) as client:
            await _wait_up(client, proc, log_path)
            event_id = await _telegram_event(client, "Flood", group)
            queue = f"/api/v1/events/{event_id}/questions?limit=500"
            # Telegram slow to answer the poll after the full batch: the marks wait for it.
            fake_telegram.hold_polls(after=max(_push(fake_telegram, group, texts)))

            async def all_in():
                items = (await client.get(queue)).json()["items"]
                return items if len(items) == len(texts) else None

            items = await _until(all_in, within=30, what="the batch's questions")
            assert not any(q["suggestion"] for q in items), "marked before the kill"
            proc.kill()  # SIGKILL: nothing runs on the way out
            proc.wait(timeout=20)
        proc, log_path, base = _serve(tmp_path, env)
        async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30) as client:
            await _wait_up(client, proc, log_path)

            async def marked():
                items = (await client.get(queue)).json()["items"]
                return [q for q in items if q["suggestion"]] or None

            found = await _until(marked, within=30, what="the marks left by the killed process")
            closing = next(q for q in items if q["text"].startswith("When does the board"))
            assert [q["suggestion"]["into"] for q in found] == [closing["id"]]
    finally:
        proc.terminate()
        proc.wait(timeout=20)


async def test_a_kill_during_a_flood_loses_no_question_and_doubles_none(
    tmp_path: Path, fake_telegram
):
    """kill -9 while a flood is fetched ahead of its storing (batches kept in the inbox and
    confirmed to Telegram, not yet in the queue): the restarted service stores each once."""
    env = _telegram_env(fake_telegram, poll_timeout=1)
    group = tg.chat(-1001778)
    n = 1500
    headers = {"Authorization": f"Bearer {ADMIN}"}
    proc, log_path, base = _serve(tmp_path, env)
    try:
        async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30) as client:
            await _wait_up(client, proc, log_path)
            event_id = await _telegram_event(client, "Flood", group)
            stats = f"/api/v1/events/{event_id}/stats"
            ids = _push(
                fake_telegram,
                group,
                [f"Question {i}: will item {i * 7} of list {i} be kept?" for i in range(n)],
            )
            # Killed once a third of the flood is confirmed to Telegram: kept, at least.
            await fake_telegram.wait_until(lambda f: f.confirmed_up_to >= ids[n // 3], within=30)
            proc.kill()  # SIGKILL: nothing runs on the way out
            proc.wait(timeout=20)
            confirmed = fake_telegram.confirmed_up_to - ids[0] + 1
            with sqlite3.connect(tmp_path / "e2e.db") as db:
                stored_before = db.execute("SELECT count(*) FROM asks").fetchone()[0]
        proc, log_path, base = _serve(tmp_path, env)
        async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30) as client:
            await _wait_up(client, proc, log_path)

            async def all_in():
                found = (await client.get(stats)).json()
                return found if int(found["asks"]) >= n else None

            found = await _until(all_in, within=60, what="the whole flood")
            await asyncio.sleep(0.5)  # anything stored twice would show by now
            found = (await client.get(stats)).json()
            assert int(found["asks"]) == n, found
            assert int(found["questions"]) == n, found
        # Telegram will not send the confirmed ones again: those not stored came from the inbox.
        assert stored_before < confirmed, "every confirmed update was stored: nothing tested"
    finally:
        proc.terminate()
        proc.wait(timeout=20)
