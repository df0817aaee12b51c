"""What a source hands to ingestion, and what ingestion answers."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from models.event import Platform


@dataclass(frozen=True, slots=True)
class IncomingAsk:
    """One message from a source, already parsed out of the platform's payload."""

    platform: Platform
    source_id: str  # Telegram chat id, YouTube live chat id, "manual", an import file name…
    message_id: str  # unique within (platform, source_id): re-delivery is recognised by it
    text: str
    asked_at: datetime
    author_id: str | None = None  # platform user id; stored only as a keyed hash
    author_name: str | None = None
    source_label: str | None = None  # e.g. "email"
    paid: bool = False  # YouTube Super Chat / Super Sticker
    thread_id: int | None = None  # Telegram forum topic
    force_question: bool = False  # an explicit command such as /ask: a question in any mode


class Outcome(enum.StrEnum):
    created = "created"  # a new question
    merged = "merged"  # attached to an existing question
    chatter = "chatter"  # not a question: counted, not stored
    duplicate = "duplicate"  # this message was ingested before: nothing changed
    rejected = "rejected"  # unusable (empty, too long): see `reason`


@dataclass(frozen=True, slots=True)
class IngestResult:
    outcome: Outcome
    question_id: int | None = None
    ask_id: int | None = None
    reason: str | None = None
