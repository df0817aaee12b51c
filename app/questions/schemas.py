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


class QuestionSeen(BaseModel):
    """The values the caller saw of the fields it changes: the per-field optimistic check."""

    model_config = ConfigDict(extra="forbid")
    status: QuestionStatus | None = None
    pinned: bool | None = None
    text: str | None = Field(default=None, max_length=MAX_TEXT)
    note: str | None = Field(default=None, max_length=MAX_TEXT)


class QuestionPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: QuestionStatus | None = None
    pinned: bool | None = None
    text: str | None = Field(default=None, min_length=1, max_length=MAX_TEXT)
    note: str | None = Field(default=None, max_length=MAX_TEXT)
    # Optional optimistic check: the version the caller saw. A stale one is refused (409),
    # whatever changed in between (a pin, a new ask).
    version: int | None = None
    # The finer check, which replaces `version` when given: a change is refused only when a
    # field it changes was changed by someone else since (a new ask or a pin never conflicts
    # with an edit). The 409 then carries both versions of that field.
    seen: QuestionSeen | None = None


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


class SimilarOut(BaseModel):
    """A question that may say the same as another: how alike (0–100), and by what."""

    question: QuestionOut
    score: float
    by: Literal["words", "meaning"]  # shared words, or (semantic extra) nearby embeddings


class SimilarList(BaseModel):
    items: list[SimilarOut]
