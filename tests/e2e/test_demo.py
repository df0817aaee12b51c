"""`make demo` plays its scripted hour through the real collectors into the queue."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import httpx

from tests.e2e.test_serve import _free_port, _until


async def test_demo_fills_the_queue(tmp_path: Path):
    port = _free_port()
    log_path = tmp_path / "demo.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "fakes.demo",
                "--port",
                str(port),
                "--pace",
                "0.15",
                "--database",
                str(tmp_path / "demo.db"),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:

        async def token():
            assert proc.poll() is None, log_path.read_text()
            found = re.search(r"sign in with: (\S+)", log_path.read_text())
            return found.group(1) if found else None

        admin = await _until(token, within=60, what="the demo to start")
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{port}",
            timeout=30,
            headers={"Authorization": f"Bearer {admin}"},
        ) as client:

            async def played():
                items = (
                    await client.get(
                        "/api/v1/events/1/questions", params={"status": "all", "limit": 100}
                    )
                ).json()["items"]
                return (
                    items
                    if any(q["paid"] for q in items) and any(q["status"] == "hidden" for q in items)
                    else None
                )

            items = await _until(played, within=60, what="the scripted hour to play")
            sources = (await client.get("/api/v1/events/1/sources")).json()
            # The sources panel shows both simulated chats connected and read.
            health = {s["platform"]: s["health"] for s in sources}
            assert health["telegram"]["level"] == "ok", health
            assert health["telegram"]["last_read_at"] and health["telegram"]["last_question_at"]
            assert health["youtube"]["level"] in ("ok", "ended"), health
            assert health["youtube"]["last_question_at"]
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    by_text = {q["text"]: q for q in items}
    vote = by_text["When does the board election vote close?"]
    assert vote["platforms"] == ["telegram", "youtube"] and vote["ask_count"] >= 3
    assert by_text["Is the foundation going to use AI to write articles?"]["status"] == "hidden"
    assert by_text["BUY CHEAP FOLLOWERS NOW?? visit spam.example"]["status"] == "hidden"
    assert "Will Wikimania 2028 be held in Africa or Asia?" in by_text  # followed the edit
    assert "Can everyone hear us?" not in by_text  # the host's own message
    assert not any("Lagos" in t for t in by_text)  # chatter
    # Sent before the stream: through the submission page, and by email when Dovecot is here.
    assert by_text["Is the recording going to be on Commons?"]["platforms"] == ["web"]
    from fakes.dovecot import dovecot_binary

    if dovecot_binary() is not None:
        wikimania = by_text["Where will Wikimania 2027 be held?"]
        # YouTube's has no "?": detection reads it as a question by its form, so it merges too.
        assert wikimania["platforms"] == ["email", "telegram", "youtube"]
        assert "How are the board candidates vetted?" in by_text
        assert "Will there be captions in Portuguese?" in by_text
        assert not any("attend" in t for t in by_text)
