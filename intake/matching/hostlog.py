"""The host merge log: an append-only JSONL file of the merges and splits the host made by hand.

It is labelled data for free: a host merge is a duplicate the matcher missed (or found late), a
host split is a false merge. `python -m intake.matching.evaluate --log PATH` scores the
matcher on it. Off unless LIVEQ_MERGE_LOG names a file.
"""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path
from typing import Literal

from pydantic_settings import BaseSettings, SettingsConfigDict

Action = Literal["merge", "split"]


class MergeLogSettings(BaseSettings):
    """Where host merges and splits are appended; None (the default) keeps no log."""

    model_config = SettingsConfigDict(env_prefix="LIVEQ_", extra="ignore")

    merge_log: Path | None = None


def record_merge(
    path: Path | str | None, *, event_id: int, kept_text: str, merged_text: str, at: datetime
) -> None:
    """The host folded the question `merged_text` into `kept_text`."""
    _append(
        path, action="merge", event_id=event_id, kept_text=kept_text, other_text=merged_text, at=at
    )


def record_split(
    path: Path | str | None, *, event_id: int, kept_text: str, split_text: str, at: datetime
) -> None:
    """The host split the ask `split_text` off the question `kept_text`: they differ."""
    _append(
        path, action="split", event_id=event_id, kept_text=kept_text, other_text=split_text, at=at
    )


def _append(
    path: Path | str | None,
    *,
    action: Action,
    event_id: int,
    kept_text: str,
    other_text: str,
    at: datetime,
) -> None:
    if path is None:
        return
    line = json.dumps(
        {
            "action": action,
            "event_id": event_id,
            "kept_text": kept_text,
            "other_text": other_text,
            "at": at.isoformat(),
        },
        ensure_ascii=False,
    )
    # One write of one line on an O_APPEND descriptor: concurrent writers never interleave lines.
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        os.write(fd, (line + "\n").encode("utf-8"))
    finally:
        os.close(fd)


def read_log(path: Path | str) -> list[dict]:
    """Every entry, oldest first; a torn last line (a crash mid-write) is skipped."""
    entries = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(entry, dict) and entry.get("action") in ("merge", "split"):
            entries.append(entry)
    return entries
