"""API field types: integers bounded to the columns that hold them, strict types, clean text.

Every integer the API takes fits the column it is compared with or stored in, so an id of
2**31 answers 422 instead of overflowing PostgreSQL's int4 (a 500). Body integers are strict (a
JSON `false` is not the number 0) and body booleans too (a `1` is not `true`). Text may not hold
a lone UTF-16 surrogate: no database, log or JSON encoder can store one.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import Path
from pydantic import AfterValidator, BeforeValidator, Field, Strict

INT32_MAX = 2**31 - 1
INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1


def _no_lone_surrogate(value: str) -> str:
    for i, ch in enumerate(value):
        if "\ud800" <= ch <= "\udfff":
            raise ValueError(
                f"contains a lone UTF-16 surrogate (U+{ord(ch):04X}) at character {i}: "
                "send valid Unicode text"
            )
    return value


def no_lone_surrogate(value: str) -> str:
    """The text unchanged; ValueError naming the position of a lone surrogate."""
    return _no_lone_surrogate(value)


def _json_integer(value: object) -> object:
    # JSON Schema's integer: a number without a fraction (7 or 7.0), never `false` or "7".
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"must be an integer, not {type(value).__name__}")
    return value


def _json_datetime(value: object) -> object:
    # An ISO 8601 string: a bare number is not silently read as seconds since 1970.
    if not isinstance(value, str | datetime):
        raise ValueError("must be an ISO 8601 date-time string with an offset")
    return value


# Text from a request body: any Unicode, but no lone surrogate.
CleanText = Annotated[str, AfterValidator(_no_lone_surrogate)]

# A body integer: a JSON number without a fraction, not a boolean nor a string of digits.
BodyInt = Annotated[int, BeforeValidator(_json_integer)]
# Integers sized to their columns (ids are int4 on PostgreSQL; Telegram ids need int8).
RowId = Annotated[BodyInt, Field(ge=1, le=INT32_MAX)]
BigInt = Annotated[BodyInt, Field(ge=INT64_MIN, le=INT64_MAX)]
Int32 = Annotated[BodyInt, Field(ge=0, le=INT32_MAX)]
StrictBool = Annotated[bool, Strict()]
# A timestamp given as ISO 8601 text with an offset, returned in UTC.
IsoDateTime = Annotated[datetime, BeforeValidator(_json_datetime)]

# Path ids: 1 … 2**31-1, else 422 naming the bound.
EventIdPath = Annotated[int, Path(ge=1, le=INT32_MAX, description="the event's id")]
QuestionIdPath = Annotated[int, Path(ge=1, le=INT32_MAX, description="the question's id")]
AskIdPath = Annotated[int, Path(ge=1, le=INT32_MAX, description="the ask's id")]
SuggestionIdPath = Annotated[int, Path(ge=1, le=INT32_MAX, description="the suggestion's id")]


def in_utc(value: datetime | None) -> datetime | None:
    """An aware datetime as UTC; ValueError when it has no offset or leaves the calendar."""
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("must include a timezone offset")
    try:
        return value.astimezone(UTC)
    except OverflowError as exc:
        raise ValueError("is out of range once converted to UTC") from exc
