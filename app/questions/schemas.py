"""Question API shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from app.fields import CleanText, Int32, RowId, StrictBool
from models import MAX_TEXT, QuestionStatus


class AskOut(BaseModel):
    id: int
    platform: str
    author: str | None
    text: str
    asked_at: datetime
    source: str | None = None
    paid: bool = False


class SuggestionOut(BaseModel):
    """The row's mark: this question may be the same as the earlier `into`."""

    id: int
    into: int
    into_text: str
    into_ask_count: int
    score: float  # 0–100
    by: Literal["words", "meaning"]


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
    # The best open suggestion to merge it into an earlier question, if any.
    suggestion: SuggestionOut | None = None


class QuestionPage(BaseModel):
    items: list[QuestionOut]
    next_cursor: str | None


class QuestionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: CleanText = Field(min_length=1, max_length=MAX_TEXT)
    author: CleanText | None = Field(default=None, max_length=200)
    source: CleanText | None = Field(default=None, max_length=40)

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
    pinned: StrictBool | None = None
    text: CleanText | None = Field(default=None, max_length=MAX_TEXT)
    note: CleanText | None = Field(default=None, max_length=MAX_TEXT)


class QuestionPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: QuestionStatus | None = None
    pinned: StrictBool | None = None
    text: CleanText | None = Field(default=None, min_length=1, max_length=MAX_TEXT)
    note: CleanText | None = Field(default=None, max_length=MAX_TEXT)
    # Optional optimistic check: the version the caller saw. A stale one is refused (409),
    # whatever changed in between (a pin, a new ask).
    version: Int32 | None = None
    # The finer check, which replaces `version` when given: a change is refused only when a
    # field it changes was changed by someone else since (a new ask or a pin never conflicts
    # with an edit). The 409 then carries both versions of that field.
    seen: QuestionSeen | None = None


class MergeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    into: RowId = Field(description="the question to keep")


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
    by: Literal["words", "meaning"]  # shared words, or nearby sentence embeddings


class SimilarList(BaseModel):
    items: list[SimilarOut]
