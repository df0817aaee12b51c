"""`liveq token list|revoke`, run as a user runs it."""

from __future__ import annotations

import pytest

from tests.conftest import BACKENDS
from tests.test_cli import liveq


@pytest.mark.skipif("sqlite" not in BACKENDS, reason="sqlite backend")
def test_list_then_revoke_by_id(tmp_path):
    env = {"LIVEQ_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/cli.db"}
    made = liveq("token", "create", "--role", "moderator", "--name", "Ana's phone", env=env)
    assert made.returncode == 0, made.stderr
    secret = made.stdout.strip()
    listed = liveq("token", "list", env=env)
    assert listed.returncode == 0, listed.stderr
    fields = listed.stdout.strip().split("\t")
    assert fields[:3] == ["1", "moderator", "active"] and fields[4:] == ["never", "Ana's phone"]
    assert secret not in listed.stdout
    revoked = liveq("token", "revoke", "1", env=env)
    assert revoked.returncode == 0 and "token 1 (Ana's phone) revoked" in revoked.stdout
    assert "\trevoked\t" in liveq("token", "list", env=env).stdout
    missing = liveq("token", "revoke", "7", env=env)
    assert missing.returncode == 2 and "token 7 not found" in missing.stderr
    huge = liveq("token", "revoke", "2147483648", env=env)
    assert huge.returncode == 2 and "Traceback" not in huge.stderr
