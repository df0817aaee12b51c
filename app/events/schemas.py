"""Event API shapes (separate from the tables)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from app.events.health import SourceHealth
from app.fields import BigInt, BodyInt, CleanText, IsoDateTime, StrictBool, in_utc
from collectors.email.mailbox import parse_mailbox
from collectors.youtube.parse import video_id
from kit.bidi import neutralise
from models import EventStatus, QuestionMode


class TelegramSourceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    platform: Literal["telegram"]
    chat_id: BigInt = Field(description="the chat's id (64-bit, negative for groups)")
    thread_id: BigInt | None = Field(default=None, description="forum topic to restrict to")


class YoutubeSourceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    platform: Literal["youtube"]
    video: CleanText = Field(description="a video id or any YouTube URL", max_length=500)

    @field_validator("video")
    @classmethod
    def _video(cls, value: str) -> str:
        return video_id(value)


class EmailSourceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    platform: Literal["email"]
    mailbox: str = Field(
        max_length=300, description="imaps://user@host:993/INBOX (the password is never here)"
    )
    subject_tag: str | None = Field(
        default=None, max_length=100, description="only mail whose subject holds this, e.g. CR&S"
    )
    move_to: str | None = Field(
        default=None, max_length=200, description="a folder taken mail is moved to (else flagged)"
    )

    @field_validator("mailbox")
    @classmethod
    def _mailbox(cls, value: str) -> str:
        return parse_mailbox(value).url

    @field_validator("subject_tag", "move_to")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        value = value.strip() if value is not None else None
        if value and not value.isprintable():
            raise ValueError("must be printable text on one line")
        return value or None


class WebSourceIn(BaseModel):
    """The public submission page /ask/{slug}: off unless the event lists this source."""

    model_config = ConfigDict(extra="forbid")
    platform: Literal["web"]
    note: str | None = Field(default=None, max_length=1000, description="the host's short text")
    closes_at: IsoDateTime | None = Field(default=None, description="no questions taken after")

    @field_validator("closes_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("must include a timezone offset")
        return value


SourceIn = Annotated[
    TelegramSourceIn | YoutubeSourceIn | EmailSourceIn | WebSourceIn,
    Field(discriminator="platform"),
]


def _clean_title(value: str) -> str:
    # Bidirectional controls in a title would reorder it on every page and export.
    value = neutralise(value).strip()
    if not value:
        raise ValueError("must not be blank")
    return value


class EventCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: CleanText = Field(min_length=1, max_length=200)
    question_mode: QuestionMode = QuestionMode.auto
    review: StrictBool = False
    acknowledge: StrictBool = False
    # A paid question (Super Chat) counts as this many extra asks: with 0 it would sort among
    # the newest single asks, which is not what a paying viewer expects.
    paid_boost: BodyInt = Field(default=3, ge=0, le=1000)
    include_moderators: StrictBool = False
    moderators_see_names: StrictBool = Field(
        default=False, description="moderators may show askers' names (hosts always may)"
    )
    planned_end_at: IsoDateTime | None = None
    sources: list[SourceIn] = Field(default_factory=list, max_length=20)

    @field_validator("title")
    @classmethod
    def _title(cls, value: str) -> str:
        return _clean_title(value)

    @field_validator("planned_end_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        return in_utc(value)


class EventPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: CleanText | None = Field(default=None, min_length=1, max_length=200)
    question_mode: QuestionMode | None = None
    review: StrictBool | None = None
    acknowledge: StrictBool | None = None
    paid_boost: BodyInt | None = Field(default=None, ge=0, le=1000)
    include_moderators: StrictBool | None = None
    moderators_see_names: StrictBool | None = None
    planned_end_at: IsoDateTime | None = None
    sources: list[SourceIn] | None = Field(default=None, max_length=20)
    status: Literal["ended", "live"] | None = None

    @field_validator("title")
    @classmethod
    def _title(cls, value: str | None) -> str | None:
        return None if value is None else _clean_title(value)

    @field_validator("planned_end_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        return in_utc(value)


class SetAsideOut(BaseModel):
    at: str
    message: str = Field(description="where the message is on its platform (never its text)")
    reason: str


class SourceOut(BaseModel):
    id: int
    platform: str
    chat_id: int | None = None
    thread_id: int | None = None
    video: str | None = None
    live_chat_id: str | None = None
    mailbox: str | None = None
    subject_tag: str | None = None
    move_to: str | None = None
    note: str | None = None
    closes_at: datetime | None = None
    state: str
    state_reason: str | None = None
    taken: int = 0
    errors: int = 0
    last_read_at: datetime | None = None
    collector: dict[str, object] | None = None
    set_aside: int | None = Field(
        default=None,
        description="messages of this source that could not be stored and were set aside "
        "(on /events/{id}/sources only)",
    )
    set_aside_recent: list[SetAsideOut] = Field(
        default_factory=list, description="the latest of them, newest first"
    )
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
    moderators_see_names: bool
    planned_end_at: datetime | None
    created_at: datetime
    ended_at: datetime | None
    sources: list[SourceOut]
