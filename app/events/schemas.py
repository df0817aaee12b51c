"""Event API shapes (separate from the tables)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from app.events.health import SourceHealth
from collectors.youtube.parse import video_id
from kit.bidi import neutralise
from models import EventStatus, QuestionMode


class TelegramSourceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    platform: Literal["telegram"]
    chat_id: int
    thread_id: int | None = Field(default=None, description="forum topic to restrict to")


class YoutubeSourceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    platform: Literal["youtube"]
    video: str = Field(description="a video id or any YouTube URL")

    @field_validator("video")
    @classmethod
    def _video(cls, value: str) -> str:
        return video_id(value)


SourceIn = Annotated[TelegramSourceIn | YoutubeSourceIn, Field(discriminator="platform")]


def _clean_title(value: str) -> str:
    # Bidirectional controls in a title would reorder it on every page and export.
    value = neutralise(value).strip()
    if not value:
        raise ValueError("must not be blank")
    return value


class EventCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str = Field(min_length=1, max_length=200)
    question_mode: QuestionMode = QuestionMode.auto
    review: bool = False
    acknowledge: bool = False
    # A paid question (Super Chat) counts as this many extra asks: with 0 it would sort among
    # the newest single asks, which is not what a paying viewer expects.
    paid_boost: int = Field(default=3, ge=0, le=1000)
    include_moderators: bool = False
    planned_end_at: datetime | None = None
    sources: list[SourceIn] = Field(default_factory=list, max_length=20)

    @field_validator("title")
    @classmethod
    def _title(cls, value: str) -> str:
        return _clean_title(value)

    @field_validator("planned_end_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("must include a timezone offset")
        return value


class EventPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str | None = Field(default=None, min_length=1, max_length=200)
    question_mode: QuestionMode | None = None
    review: bool | None = None
    acknowledge: bool | None = None
    paid_boost: int | None = Field(default=None, ge=0, le=1000)
    include_moderators: bool | None = None
    planned_end_at: datetime | None = None
    sources: list[SourceIn] | None = Field(default=None, max_length=20)
    status: Literal["ended", "live"] | None = None

    @field_validator("title")
    @classmethod
    def _title(cls, value: str | None) -> str | None:
        return None if value is None else _clean_title(value)


class SourceOut(BaseModel):
    id: int
    platform: str
    chat_id: int | None = None
    thread_id: int | None = None
    video: str | None = None
    live_chat_id: str | None = None
    state: str
    state_reason: str | None = None
    collector: dict[str, object] | None = None
    health: SourceHealth | None = None


class EventOut(BaseModel):
    id: int
    slug: str
    title: str
    status: EventStatus
    question_mode: QuestionMode
    review: bool
    acknowledge: bool
    paid_boost: int
    include_moderators: bool
    planned_end_at: datetime | None
    created_at: datetime
    ended_at: datetime | None
    sources: list[SourceOut]
