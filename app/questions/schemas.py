"""Question API shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from models import MAX_TEXT, QuestionStatus


class AskOut(BaseModel):
    id: int
    platform: str
    author: str | None
    text: str
    asked_at: datetime
    source: str | None = None
    paid: bool = False


class QuestionOut(BaseModel):
    id: int
    event_id: int
    text: str
    language: str | None = None  # ISO 639-1, detected: helps a moderator merge translations
    status: QuestionStatus
    pinned: bool
    note: str | None
    ask_count: int
    upvotes: int
    score: int
    paid: bool
    asked_again: int
    platforms: list[str]
    first_asked_at: datetime
    last_asked_at: datetime
    updated_at: datetime
    version: int
    asks: list[AskOut]


class QuestionPage(BaseModel):
    items: list[QuestionOut]
    next_cursor: str | None


class QuestionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1, max_length=MAX_TEXT)
    author: str | None = Field(default=None, max_length=200)
    source: str | None = Field(default=None, max_length=40)

    @field_validator("text")
    @classmethod
    def _text(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value


class QuestionPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: QuestionStatus | None = None
    pinned: bool | None = None
    text: str | None = Field(default=None, min_length=1, max_length=MAX_TEXT)
    note: str | None = Field(default=None, max_length=MAX_TEXT)
    # Optional optimistic check: the version the caller saw. A stale one is refused (409).
    version: int | None = None


class MergeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    into: int


class IngestOut(BaseModel):
    outcome: Literal["created", "merged", "duplicate", "chatter", "rejected"]
    question: QuestionOut | None


class ImportRejection(BaseModel):
    line: int
    reason: str


class ImportReport(BaseModel):
    imported: int
    merged: int
    duplicates: int
    rejected: list[ImportRejection]


class ImportJobOut(ImportReport):
    """An import's progress while it runs (the counts so far), its report when done."""

    id: str = Field(description="the job: follow it at /api/v1/imports/{id}")
    event_id: int
    status: Literal["running", "done", "failed"]
    rows: int = Field(description="rows read from the file")
    processed: int = Field(description="rows handled so far (rejected ones included)")
    error: str | None = Field(default=None, description="why a failed import stopped")
    started_at: datetime
    finished_at: datetime | None = None


class SimilarOut(BaseModel):
    """A question that may say the same as another: how alike (0–100), and by what."""

    question: QuestionOut
    score: float
    by: Literal["words", "meaning"]  # shared words, or (semantic extra) nearby embeddings


class SimilarList(BaseModel):
    items: list[SimilarOut]
