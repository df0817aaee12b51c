"""The liveq command, run as a user runs it."""

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import BACKENDS


def liveq(*args, env=None, input=None):
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        capture_output=True,
        text=True,
        env=full_env,
        input=input,
        timeout=120,
    )


def test_bad_setting_fails_in_one_line(tmp_path):
    r = liveq("migrate", env={"LIVEQ_DATABASE_URL": "mysql://nope"})
    assert r.returncode == 2
    assert r.stderr.count("\n") == 1 and "LIVEQ_DATABASE_URL" in r.stderr
    assert "Traceback" not in r.stderr


def test_short_admin_token_is_named(tmp_path):
    r = liveq(
        "serve",
        env={
            "LIVEQ_ADMIN_TOKEN": "short",
            "LIVEQ_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/x.db",
        },
    )
    assert r.returncode == 2 and "LIVEQ_ADMIN_TOKEN" in r.stderr and "Traceback" not in r.stderr


@pytest.mark.skipif("sqlite" not in BACKENDS, reason="sqlite backend")
def test_event_questions_export_round_trip(tmp_path):
    env = {"LIVEQ_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/cli.db"}
    r = liveq(
        "event",
        "create",
        "--title",
        "Conversation hour",
        "--youtube",
        "https://youtu.be/dQw4w9WgXcQ",
        "--telegram-chat",
        "-1001",
        env=env,
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("event 1 created")
    bad = liveq("event", "create", "--title", "x", "--youtube", "https://vimeo.com/1", env=env)
    assert bad.returncode == 2 and "video" in bad.stderr
    too_long = liveq("token", "create", "--role", "host", "--name", "n" * 121, env=env)
    assert too_long.returncode == 2 and "--name" in too_long.stderr
    token = liveq("token", "create", "--role", "host", env=env)
    assert token.returncode == 0 and token.stdout.startswith("lq_")
    out = tmp_path / "notes.json"
    r = liveq("export", "1", "--format", "json", "--out", str(out), env=env)
    assert r.returncode == 0, r.stderr
    assert json.loads(out.read_text())["questions"] == []
    r = liveq("export", "42", env=env)
    assert r.returncode == 2 and "event 42 not found" in r.stderr
    r = liveq("export", "1", "--format", "pdf", env=env)
    assert r.returncode == 2 and "--format" in r.stderr
    r = liveq("purge", "1", "--yes", env=env)
    assert r.returncode == 0 and "purged" in r.stdout
